//! Tile benchmarks (written next).

fn main() {}
