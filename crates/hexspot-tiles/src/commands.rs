//! Geometry commands (MVT 2.1 §4.3) of polygons.

/// MoveTo, LineTo and ClosePath (MVT 2.1 §4.3.3).
#[derive(Clone, Copy)]
enum Command {
    MoveTo = 1,
    LineTo = 2,
    ClosePath = 7,
}

/// A command integer: the command's id in the low 3 bits, its count above (§4.3.1).
fn command(id: Command, count: usize) -> u32 {
    id as u32 | (u32::try_from(count).expect("a ring of fewer than 2^29 points") << 3)
}

/// A parameter integer: zigzag-encoded, so small negative deltas stay small (§4.3.2).
fn zigzag(v: i32) -> u32 {
    // the bit pattern, reinterpreted: (v << 1) ^ (v >> 31) is non-negative as u32
    #[allow(clippy::cast_sign_loss)]
    let z = ((v << 1) ^ (v >> 31)) as u32;
    z
}

/// The geometry commands of one polygon feature, ring by ring: each ring is a MoveTo
/// its first point, a LineTo each other one (deltas from the point before), and a
/// ClosePath. The cursor carries over from ring to ring: ClosePath does not move it,
/// so a ring's MoveTo is relative to where the last ring's final LineTo ended.
#[derive(Debug, Default)]
pub(crate) struct PolygonCommands {
    commands: Vec<u32>,
    cursor: [i32; 2],
}

impl PolygonCommands {
    /// Appends a ring of at least two points (a polygon's, at least three), not closed
    /// (its first point not repeated at the end), already wound as it should be.
    #[inline]
    pub(crate) fn ring(&mut self, pts: &[[i32; 2]]) {
        let [first, .., last] = pts else {
            panic!("a ring of fewer than two points")
        };
        let g = &mut self.commands;
        // MoveTo and its 2 parameters, LineTo and 2 per further point, ClosePath
        g.reserve(2 * pts.len() + 3);
        g.extend([
            command(Command::MoveTo, 1),
            zigzag(first[0] - self.cursor[0]),
            zigzag(first[1] - self.cursor[1]),
        ]);
        g.push(command(Command::LineTo, pts.len() - 1));
        for w in pts.windows(2) {
            g.extend([zigzag(w[1][0] - w[0][0]), zigzag(w[1][1] - w[0][1])]);
        }
        g.push(command(Command::ClosePath, 1));
        self.cursor = *last;
    }

    /// No ring yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// The command and parameter integers.
    pub(crate) fn into_vec(self) -> Vec<u32> {
        self.commands
    }
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
