//! Content codings for bodies compressed once and then cached (tiles): choosing one from
//! `Accept-Encoding` (RFC 9110 §12.5.3) and encoding with flate2 and brotli. Other
//! responses are compressed on the way out by tower-http.

use std::io::Write;

/// A content coding hexspot can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coding {
    /// As is.
    Identity,
    /// gzip (RFC 1952).
    Gzip,
    /// Brotli (RFC 7932).
    Br,
}

impl Coding {
    /// The `Content-Encoding` value, `None` for identity.
    #[must_use]
    pub fn header(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Br => Some("br"),
        }
    }

    /// The coding to send for this `Accept-Encoding`: the acceptable one with the highest
    /// q-value, preferring brotli, then gzip, then identity on ties. Codings not listed
    /// are acceptable only through `*`; identity is acceptable unless refused.
    #[must_use]
    pub fn negotiate(accept: Option<&str>) -> Coding {
        let Some(accept) = accept else {
            return Coding::Identity;
        };
        let (mut br, mut gzip, mut identity, mut star) = (None, None, None, None);
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            match name.as_str() {
                "br" => br = Some(q),
                "gzip" | "x-gzip" => gzip = Some(q),
                "identity" => identity = Some(q),
                "*" => star = Some(q),
                _ => {}
            }
        }
        let q = |given: Option<f32>, default: f32| given.or(star).unwrap_or(default);
        let candidates = [
            (Coding::Br, q(br, 0.0)),
            (Coding::Gzip, q(gzip, 0.0)),
            // identity is acceptable unless refused by name or by `*;q=0`, but when not
            // named it comes after every coding the client did name
            (Coding::Identity, identity.or(star).unwrap_or(0.001)),
        ];
        candidates
            .into_iter()
            .filter(|(_, q)| *q > 0.0)
            // max_by keeps the last of equals: list from most to least preferred, reversed
            .rev()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(Coding::Identity, |(c, _)| c)
    }

    /// `bytes` in this coding.
    #[must_use]
    pub fn encode(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Coding::Identity => bytes.to_vec(),
            Coding::Gzip => {
                let mut e = flate2::write::GzEncoder::new(
                    Vec::with_capacity(bytes.len() / 2),
                    flate2::Compression::new(4),
                );
                e.write_all(bytes).expect("writing to memory");
                e.finish().expect("writing to memory")
            }
            Coding::Br => {
                let mut out = Vec::with_capacity(bytes.len() / 2);
                {
                    // quality 4 of 11, 4 MiB window: tiles are compressed once and cached
                    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 4, 22);
                    w.write_all(bytes).expect("writing to memory");
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn negotiation_follows_q_values() {
        use Coding::*;
        let cases = [
            (None, Identity),
            (Some(""), Identity),
            (Some("gzip"), Gzip),
            (Some("gzip, deflate, br, zstd"), Br),
            (Some("br;q=0.5, gzip"), Gzip),
            (Some("br;q=0, gzip;q=0"), Identity),
            (Some("deflate"), Identity),
            (Some("*"), Br),
            (Some("*;q=0.2, gzip;q=0.5"), Gzip),
            (Some("identity;q=0, *;q=0"), Identity),
            (Some("GZIP;Q=1"), Gzip),
            (Some("br;q=bogus"), Br),
            (Some("br;q=0, gzip;q=0.1"), Gzip),
            (Some("gzip;q=0.5, identity"), Identity),
        ];
        for (accept, want) in cases {
            assert_eq!(Coding::negotiate(accept), want, "{accept:?}");
        }
    }

    #[test]
    fn encodings_round_trip() {
        let text = b"hexspot ".repeat(1000);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(Coding::Gzip.encode(&text).as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, text);
        let br = Coding::Br.encode(&text);
        assert!(br.len() < 100);
        let mut out = Vec::new();
        brotli::Decompressor::new(br.as_slice(), 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, text);
        assert_eq!(Coding::Identity.encode(&text), text);
    }
}
