//! How columns are kept as blobs: numbers little-endian, each blob of the current
//! layout led by a tag saying how its values are packed.
//!
//! - Numbers: plain, or run-length coded when that is smaller. Rows are kept sorted
//!   by fine cell and police.uk snaps its incidents to a few tens of thousands of map
//!   points, so a point's location, cells and text come in long runs.
//! - Names: length-prefixed, or, when every one is 64 lowercase hexadecimal digits
//!   (police.uk's Crime IDs), 32 bytes each.
//!
//! Blobs written before the tags existed are read with the `plain_*` functions.

/// Tag: the values one after another.
const PLAIN: u8 = 0;
/// Tag: `(run length: u32, value)` pairs.
const RUNS: u8 = 1;
/// Tag (names): 32 bytes a name, each 64 hexadecimal digits.
const HEX32: u8 = 2;

/// A value stored as little-endian bytes.
pub(crate) trait Le: Copy {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
    /// Equal bit for bit (so NaN runs are runs).
    fn same(self, other: Self) -> bool;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("chunks are SIZE bytes"))
            }
            #[inline]
            fn same(self, other: Self) -> bool {
                self.to_le_bytes() == other.to_le_bytes()
            }
        }
    )*};
}
le!(u8, u16, u32, i32, u64, f64);

/// The values, untagged (as the first layout wrote them).
#[cfg(test)]
pub(crate) fn plain_encode<T: Le>(v: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * T::SIZE);
    for &x in v {
        x.put(&mut out);
    }
    out
}

/// Untagged values, appended to `into`.
pub(crate) fn plain_decode<T: Le>(b: &[u8], into: &mut Vec<T>) -> Result<(), String> {
    if !b.len().is_multiple_of(T::SIZE) {
        return Err(format!("{} bytes is not a whole number of values", b.len()));
    }
    into.extend(b.chunks_exact(T::SIZE).map(T::get));
    Ok(())
}

/// The runs of equal values in `v`, as `(value, length)`.
fn runs<T: Le>(v: &[T]) -> impl Iterator<Item = (T, u32)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let &first = v.get(at)?;
        let len = v[at..]
            .iter()
            .take(u32::MAX as usize)
            .take_while(|x| x.same(first))
            .count();
        at += len;
        Some((first, len as u32))
    })
}

/// The values, tagged: run-length coded when that is smaller than plain.
pub(crate) fn encode<T: Le>(v: &[T]) -> Vec<u8> {
    let n_runs = runs(v).count();
    if n_runs * (4 + T::SIZE) < v.len() * T::SIZE {
        let mut out = Vec::with_capacity(1 + n_runs * (4 + T::SIZE));
        out.push(RUNS);
        for (x, len) in runs(v) {
            len.put(&mut out);
            x.put(&mut out);
        }
        out
    } else {
        let mut out = Vec::with_capacity(1 + v.len() * T::SIZE);
        out.push(PLAIN);
        for &x in v {
            x.put(&mut out);
        }
        out
    }
}

/// Tagged values, appended to `into`; `limit` bounds how many a run-length blob may
/// claim (so a corrupted length cannot ask for memory beyond the rows expected).
pub(crate) fn decode<T: Le>(b: &[u8], into: &mut Vec<T>, limit: usize) -> Result<(), String> {
    let (&tag, body) = b.split_first().ok_or("an empty blob has no tag")?;
    match tag {
        PLAIN => plain_decode(body, into),
        RUNS => {
            let pair = 4 + T::SIZE;
            if !body.len().is_multiple_of(pair) {
                return Err(format!(
                    "{} bytes is not a whole number of runs",
                    body.len()
                ));
            }
            let start = into.len();
            for p in body.chunks_exact(pair) {
                let len = u32::get(&p[..4]) as usize;
                if into.len() - start + len > limit {
                    return Err(format!("runs hold more than {limit} values"));
                }
                into.resize(into.len() + len, T::get(&p[4..]));
            }
            Ok(())
        }
        t => Err(format!("unknown column tag {t}")),
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Names, untagged: a count, then each name's length and bytes.
pub(crate) fn plain_encode_names<'a>(n: usize, names: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::new();
    (n as u32).put(&mut out);
    for s in names {
        (s.len() as u32).put(&mut out);
        out.extend_from_slice(s.as_bytes());
    }
    out
}

/// Names, tagged: 32 bytes each when all are 64 hexadecimal digits.
pub(crate) fn encode_names<'a>(n: usize, names: impl Iterator<Item = &'a str> + Clone) -> Vec<u8> {
    if n > 0 && names.clone().all(is_hex64) {
        let mut out = Vec::with_capacity(5 + 32 * n);
        out.push(HEX32);
        (n as u32).put(&mut out);
        let nibble = |c: u8| if c <= b'9' { c - b'0' } else { c - b'a' + 10 };
        for s in names {
            out.extend(
                s.as_bytes()
                    .chunks_exact(2)
                    .map(|p| nibble(p[0]) << 4 | nibble(p[1])),
            );
        }
        out
    } else {
        let mut out = vec![PLAIN];
        out.extend(plain_encode_names(n, names));
        out
    }
}

/// Untagged names.
pub(crate) fn plain_decode_names(b: &[u8]) -> Result<Vec<String>, String> {
    let short = || "ends inside a name".to_owned();
    let take_u32 = |at: &mut usize| -> Result<u32, String> {
        let v = b.get(*at..*at + 4).ok_or_else(short)?;
        *at += 4;
        Ok(u32::get(v))
    };
    let mut at = 0;
    let n = take_u32(&mut at)?;
    // each name takes at least its 4-byte length
    let mut names = Vec::with_capacity((n as usize).min(b.len() / 4));
    for _ in 0..n {
        let len = take_u32(&mut at)? as usize;
        let bytes = b.get(at..at + len).ok_or_else(short)?;
        at += len;
        names.push(String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())?);
    }
    Ok(names)
}

/// Tagged names.
pub(crate) fn decode_names(b: &[u8]) -> Result<Vec<String>, String> {
    let (&tag, body) = b.split_first().ok_or("an empty blob has no tag")?;
    match tag {
        PLAIN => plain_decode_names(body),
        HEX32 => {
            let n = body.get(..4).map(u32::get).ok_or("ends inside the count")? as usize;
            let packed = &body[4..];
            if packed.len() != n * 32 {
                return Err(format!("{} bytes for {n} packed names", packed.len()));
            }
            const DIGITS: &[u8; 16] = b"0123456789abcdef";
            Ok(packed
                .chunks_exact(32)
                .map(|p| {
                    p.iter()
                        .flat_map(|&b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
                        .map(char::from)
                        .collect()
                })
                .collect())
        }
        t => Err(format!("unknown names tag {t}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_plain_or_in_runs() {
        let runs_of: Vec<f64> = [1.5; 100]
            .into_iter()
            .chain([f64::NAN; 50])
            .chain([-2.0])
            .collect();
        let b = encode(&runs_of);
        assert_eq!(b[0], RUNS);
        assert_eq!(b.len(), 1 + 3 * 12);
        let mut back = Vec::new();
        decode::<f64>(&b, &mut back, 151).unwrap();
        assert_eq!(back.len(), 151);
        assert!(back.iter().zip(&runs_of).all(|(a, b)| a.same(*b)));

        let distinct: Vec<u32> = (0..100).collect();
        let b = encode(&distinct);
        assert_eq!(b[0], PLAIN);
        assert_eq!(b.len(), 1 + 400);
        let mut back = Vec::new();
        decode::<u32>(&b, &mut back, 100).unwrap();
        assert_eq!(back, distinct);

        let mut back: Vec<u8> = Vec::new();
        decode::<u8>(&encode::<u8>(&[]), &mut back, 0).unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn bad_blobs_are_errors() {
        let mut out: Vec<u32> = Vec::new();
        assert!(decode::<u32>(&[], &mut out, 10).is_err());
        assert!(decode::<u32>(&[9, 0, 0, 0, 0], &mut out, 10).is_err());
        assert!(decode::<u32>(&[PLAIN, 1, 2, 3], &mut out, 10).is_err());
        // a run longer than the rows expected
        let mut b = vec![RUNS];
        1_000_000u32.put(&mut b);
        7u32.put(&mut b);
        assert!(
            decode::<u32>(&b, &mut out, 10)
                .unwrap_err()
                .contains("more than 10")
        );
        assert!(decode_names(&[HEX32, 2, 0, 0, 0, 1]).is_err());
        assert!(decode_names(&[7]).is_err());
    }

    #[test]
    fn names_round_trip_packed_or_plain() {
        let ids = [
            "04e89249f2f000151ff37a5b503c03aa0bdfff3e94033ed40ea42e71721640ee",
            "181e8b7622803924766c050f5433b5b93a38fb2d4cdd53d0c8f4839886a5b556",
        ];
        let b = encode_names(ids.len(), ids.iter().copied());
        assert_eq!((b[0], b.len()), (HEX32, 5 + 64));
        assert_eq!(decode_names(&b).unwrap(), ids);

        // one name that is not 64 lowercase hex digits keeps them all as text
        let mixed = [ids[0], "On or near Briggate", ""];
        let b = encode_names(mixed.len(), mixed.iter().copied());
        assert_eq!(b[0], PLAIN);
        assert_eq!(decode_names(&b).unwrap(), mixed);
        let upper = ids[0].to_uppercase();
        assert_eq!(encode_names(1, std::iter::once(upper.as_str()))[0], PLAIN);
        assert!(
            decode_names(&encode_names(0, std::iter::empty()))
                .unwrap()
                .is_empty()
        );
    }
}
