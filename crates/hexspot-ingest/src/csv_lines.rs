//! CSV records read a physical line at a time, so that one stray quote cannot swallow
//! the rest of a file.
//!
//! A line that leaves a quoted field open is joined to the lines after it only while
//! the result is a plausible record: the quote closes within [`MAX_RECORD_LINES`] lines
//! and [`MAX_RECORD_BYTES`] bytes, and the record has the header's number of fields.
//! Otherwise that one line is reported as damaged and reading goes on at the next line,
//! so the rows after it are kept. Fields are split by `csv_core` (RFC 4180 quoting);
//! line numbers count `\n`, so CRLF files number their lines as an editor does.

use std::collections::VecDeque;
use std::io::{self, BufRead};

/// Physical lines one quoted record may span (real multi-line fields are notes of a
/// few lines; a stray quote opens a "field" that runs to the next stray quote).
pub const MAX_RECORD_LINES: usize = 20;

/// Bytes one record may hold; no police.uk or force extract row comes near.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// What the next line held.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Item {
    /// A record (its fields are in the `ByteRecord` given), starting at `line`.
    Record {
        /// first physical line (1-based)
        line: u64,
    },
    /// A line that opens a quoted field which does not close into a plausible record.
    OpenQuote {
        /// the line (1-based)
        line: u64,
        /// its text, lossily decoded
        raw: String,
    },
    /// A record longer than [`MAX_RECORD_BYTES`] on one line.
    TooLong {
        /// the line (1-based)
        line: u64,
        /// its length
        bytes: usize,
    },
}

/// Where a CSV parse stands at the end of some bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// outside any quoted field
    Closed,
    /// inside a quoted field
    Open,
}

/// The quoting state at the end of `b`, starting outside quotes (RFC 4180: a quote
/// opens a field only at its start; `""` inside one is a literal quote).
fn quote_state(b: &[u8]) -> Quote {
    #[derive(Clone, Copy)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut s = S::FieldStart;
    for &c in b {
        s = match (s, c) {
            (S::FieldStart, b'"') => S::Quoted,
            (S::FieldStart | S::Unquoted | S::QuoteInQuoted, b',') => S::FieldStart,
            (S::FieldStart | S::Unquoted, _) => S::Unquoted,
            (S::Quoted, b'"') => S::QuoteInQuoted,
            (S::Quoted, _) => S::Quoted,
            (S::QuoteInQuoted, b'"') => S::Quoted,
            (S::QuoteInQuoted, _) => S::Unquoted,
        };
    }
    match s {
        S::Quoted => Quote::Open,
        _ => Quote::Closed,
    }
}

/// Reads records from `input` a line at a time.
pub(crate) struct Lines<R> {
    input: R,
    /// number of the last line taken from `input`
    read: u64,
    /// lines read to look for a closing quote but not used
    ahead: VecDeque<(u64, Vec<u8>)>,
    /// line buffers to reuse
    spare: Vec<Vec<u8>>,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(input: R) -> Self {
        Self {
            input,
            read: 0,
            ahead: VecDeque::new(),
            spare: Vec::new(),
            core: csv_core::Reader::new(),
            out: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Physical lines read so far.
    pub(crate) fn lines(&self) -> u64 {
        self.read
    }

    /// Line `i` past the front of `ahead`, reading it from the input if needed; the
    /// line's bytes without `\n` or `\r\n`.
    fn peek(&mut self, i: usize) -> io::Result<Option<&(u64, Vec<u8>)>> {
        while self.ahead.len() <= i {
            let mut buf = self.spare.pop().unwrap_or_default();
            buf.clear();
            if self.input.read_until(b'\n', &mut buf)? == 0 {
                self.spare.push(buf);
                return Ok(None);
            }
            self.read += 1;
            if buf.last() == Some(&b'\n') {
                buf.pop();
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
            }
            self.ahead.push_back((self.read, buf));
        }
        Ok(self.ahead.get(i))
    }

    /// The next record into `rec`, or the damaged line where one cannot be read;
    /// `fields` is the header's field count (0 while reading the header: any).
    pub(crate) fn next(
        &mut self,
        rec: &mut csv::ByteRecord,
        fields: usize,
    ) -> io::Result<Option<Item>> {
        let Some((line, first_len)) = self.peek(0)?.map(|(l, b)| (*l, b.len())) else {
            return Ok(None);
        };
        if first_len > MAX_RECORD_BYTES {
            self.recycle(1);
            return Ok(Some(Item::TooLong {
                line,
                bytes: first_len,
            }));
        }
        let first = &self.ahead[0].1;
        if memchr::memchr(b'"', first).is_none() {
            // no quotes: the fields are what lies between the commas
            rec.clear();
            for f in first.split(|&c| c == b',') {
                rec.push_field(f);
            }
            self.recycle(1);
            return Ok(Some(Item::Record { line }));
        }
        // join the lines after it while a quoted field stays open, within the limits
        let mut joined = first.clone();
        let mut used = 1;
        while quote_state(&joined) == Quote::Open {
            if used == MAX_RECORD_LINES {
                break;
            }
            let Some((_, next)) = self.peek(used)? else {
                break;
            };
            if joined.len() + 1 + next.len() > MAX_RECORD_BYTES {
                break;
            }
            joined.push(b'\n');
            joined.extend_from_slice(next);
            used += 1;
        }
        if quote_state(&joined) == Quote::Closed {
            self.split(&joined, rec);
            if used == 1 || fields == 0 || rec.len() == fields {
                self.recycle(used);
                return Ok(Some(Item::Record { line }));
            }
        }
        // a quote that opens and does not close into one record: this line alone is
        // damaged; the lines after it are read as they are
        let (line, bytes) = self.ahead.pop_front().expect("peeked");
        Ok(Some(Item::OpenQuote {
            line,
            raw: String::from_utf8_lossy(&bytes).into_owned(),
        }))
    }

    /// Drops the first `n` lines read ahead, keeping their buffers.
    fn recycle(&mut self, n: usize) {
        for _ in 0..n {
            if let Some((_, b)) = self.ahead.pop_front() {
                self.spare.push(b);
            }
        }
    }

    /// Splits one whole record (no line terminator outside quotes) into `rec`.
    fn split(&mut self, b: &[u8], rec: &mut csv::ByteRecord) {
        self.core.reset();
        self.out.resize(b.len().max(1), 0);
        self.ends.resize(b.len() + 1, 0);
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            let (res, i, o, e) =
                self.core
                    .read_record(&b[nin..], &mut self.out[nout..], &mut self.ends[nend..]);
            nin += i;
            nout += o;
            nend += e;
            match res {
                csv_core::ReadRecordResult::InputEmpty if nin == b.len() => {
                    // the end of the input ends the record
                    let (res, _, _, e) =
                        self.core
                            .read_record(&[], &mut self.out[nout..], &mut self.ends[nend..]);
                    nend += e;
                    debug_assert!(matches!(res, csv_core::ReadRecordResult::Record));
                    break;
                }
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => break,
                // output and ends are sized to the input, which no record outgrows
                _ => {}
            }
        }
        rec.clear();
        let mut start = 0;
        for &end in &self.ends[..nend] {
            // ends are relative to the record's output, which starts at 0
            rec.push_field(&self.out[start..end]);
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str, fields: usize) -> Vec<(Item, Vec<String>)> {
        let mut l = Lines::new(text.as_bytes());
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while let Some(item) = l.next(&mut rec, fields).unwrap() {
            let f = rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((item, f));
        }
        out
    }

    #[test]
    fn plain_and_quoted_fields_split_as_rfc_4180_says() {
        let got = items("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n,,\n", 3);
        assert_eq!(
            got[0],
            (
                Item::Record { line: 1 },
                vec!["a".into(), "b".into(), "c".into()]
            )
        );
        assert_eq!(
            got[1],
            (
                Item::Record { line: 2 },
                vec!["1".into(), "x, y".into(), "say \"hi\"".into()]
            )
        );
        assert_eq!(got[2], (Item::Record { line: 3 }, vec![String::new(); 3]));
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn a_quoted_field_may_run_across_a_few_lines() {
        let got = items("a,b\n1,\"two\r\nlines\"\n2,x\n", 2);
        assert_eq!(
            got[1],
            (
                Item::Record { line: 2 },
                vec!["1".into(), "two\nlines".into()]
            )
        );
        assert_eq!(
            got[2],
            (Item::Record { line: 4 }, vec!["2".into(), "x".into()])
        );
    }

    #[test]
    fn a_stray_quote_loses_its_own_line_only() {
        // the quote would close only at the next stray quote, 30 lines on
        let mut text = String::from("id,where\n1,\"On or near Briggate\n");
        for i in 2..32 {
            text.push_str(&format!("{i},On or near High Street\n"));
        }
        text.push_str("32,\"Park Lane\n33,End\n");
        let got = items(&text, 2);
        assert_eq!(
            got[1].0,
            Item::OpenQuote {
                line: 2,
                raw: "1,\"On or near Briggate".into()
            }
        );
        assert_eq!(
            got[2],
            (
                Item::Record { line: 3 },
                vec!["2".into(), "On or near High Street".into()]
            )
        );
        // the second stray quote closes nothing either (end of file)
        assert!(matches!(got[32].0, Item::OpenQuote { line: 33, .. }));
        assert_eq!(
            got[33],
            (Item::Record { line: 34 }, vec!["33".into(), "End".into()])
        );
        assert_eq!(got.len(), 34);
    }

    #[test]
    fn a_quote_that_closes_into_the_wrong_number_of_fields_is_damage() {
        // joined, lines 2-3 make one record of 3 fields where the header has 2
        let got = items("a,b\n1,\"x\n2\",y\n3,z\n", 2);
        assert!(matches!(got[1].0, Item::OpenQuote { line: 2, .. }));
        // a quote inside an unquoted field is a literal
        assert_eq!(
            got[2],
            (Item::Record { line: 3 }, vec!["2\"".into(), "y".into()])
        );
        assert_eq!(
            got[3],
            (Item::Record { line: 4 }, vec!["3".into(), "z".into()])
        );
        // with 3 fields in the header the same lines are one record
        let got = items("a,b,c\n1,\"x\n2\",y\n", 3);
        assert_eq!(
            got[1],
            (
                Item::Record { line: 2 },
                vec!["1".into(), "x\n2".into(), "y".into()]
            )
        );
    }

    #[test]
    fn an_overlong_line_is_named() {
        let long = "x".repeat(MAX_RECORD_BYTES + 1);
        let got = items(&format!("a\n{long}\nb\n"), 1);
        assert_eq!(
            got[1].0,
            Item::TooLong {
                line: 2,
                bytes: MAX_RECORD_BYTES + 1
            }
        );
        assert_eq!(got[2], (Item::Record { line: 3 }, vec!["b".into()]));
    }

    #[test]
    fn quote_state_follows_rfc_4180() {
        assert!(quote_state(b"a,\"b") == Quote::Open);
        assert!(quote_state(b"a,\"b\"\"") == Quote::Open);
        assert!(quote_state(b"a,\"b\"\"c\"") == Quote::Closed);
        // a quote inside an unquoted field is a literal
        assert!(quote_state(b"a,b\"c") == Quote::Closed);
        assert!(quote_state(b"\"a\"x,\"") == Quote::Open);
    }
}
