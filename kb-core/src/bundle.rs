//! The bundle container: named files packed into one immutable, checksummed file. A language's entry (see
//! [`crate::lazy`]) is one: its index layout, synonyms, hotcache and, for a small knowledge base, every
//! byte of the index and every body.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic         8 bytes   b"ADKBNDL\0"
//! version       u32       FORMAT_VERSION
//! file_count    u32
//! file table    file_count × { name_len u16, name (UTF-8), offset u64, len u64 }
//!                         offset is counted from the start of the data section
//! data          the files, back to back
//! checksum      u32       CRC-32 of every byte before it
//! ```

use std::fmt;

/// First bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"ADKBNDL\0";
/// The layout version this code writes and reads. Bump it when the layout, the schema or the analysis
/// changes. 2: synonyms travel in the bundle; Vietnamese function words and English phrases in queries.
/// 3: one entry per language with a hotcache, the index in chunks (SSTable dictionaries), bodies apart.
pub const FORMAT_VERSION: u32 = 3;
/// The entry's file holding the query-time synonyms (JSON).
pub const SYNONYMS_FILE: &str = "answerdesk-synonyms.json";

/// Why bytes could not be read as a bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The bytes do not start with the bundle magic: not a bundle at all (an HTML error page, say).
    #[error("not an Answerdesk index bundle (bad magic bytes); is the URL pointing at an `.entry` file?")]
    BadMagic,
    /// Written by a different version of the format.
    #[error(
        "index bundle format version {found} is not supported (this build reads version {supported}); rebuild the index with the same Answerdesk version as the widget"
    )]
    UnsupportedVersion {
        /// Version found in the header.
        found: u32,
        /// Version this code reads.
        supported: u32,
    },
    /// The checksum does not match: the file was truncated or altered in transit or on disk.
    #[error(
        "index bundle is corrupt: checksum {found:08x} does not match {expected:08x} (truncated download?)"
    )]
    ChecksumMismatch {
        /// Checksum stored in the bundle.
        expected: u32,
        /// Checksum of the bytes received.
        found: u32,
    },
    /// The header or file table points outside the bundle or is not valid.
    #[error("index bundle is corrupt: {0}")]
    Malformed(&'static str),
}

/// One file inside a bundle.
#[derive(Clone, PartialEq, Eq)]
pub struct BundleFile<'a> {
    /// File name (relative path inside the index directory).
    pub name: &'a str,
    /// File contents.
    pub bytes: &'a [u8],
}

impl fmt::Debug for BundleFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BundleFile({}, {} bytes)", self.name, self.bytes.len())
    }
}

/// Packs `files` into bundle bytes.
pub fn write(files: &[BundleFile<'_>]) -> Vec<u8> {
    let table_len: usize = files.iter().map(|f| 2 + f.name.len() + 16).sum();
    let data_len: usize = files.iter().map(|f| f.bytes.len()).sum();
    let mut out = Vec::with_capacity(16 + table_len + data_len + 4);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(files.len() as u32).to_le_bytes());
    let mut offset = 0u64;
    for file in files {
        let name_len = u16::try_from(file.name.len()).expect("index file names are short");
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(file.name.as_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&(file.bytes.len() as u64).to_le_bytes());
        offset += file.bytes.len() as u64;
    }
    for file in files {
        out.extend_from_slice(file.bytes);
    }
    let checksum = crc32fast::hash(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    out
}

/// Reads bundle bytes back into their files, checking magic, version, checksum and bounds.
pub fn read(bytes: &[u8]) -> Result<Vec<BundleFile<'_>>, BundleError> {
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        return Err(BundleError::BadMagic);
    }
    let mut cursor = Cursor { bytes, pos: MAGIC.len() };
    let version = cursor.u32()?;
    if version != FORMAT_VERSION {
        return Err(BundleError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
    }
    let (body, stored) =
        bytes.split_at(bytes.len().checked_sub(4).ok_or(BundleError::Malformed("too short"))?);
    let expected = u32::from_le_bytes(stored.try_into().map_err(|_| BundleError::Malformed("too short"))?);
    let found = crc32fast::hash(body);
    if expected != found {
        return Err(BundleError::ChecksumMismatch { expected, found });
    }

    let count = cursor.u32()? as usize;
    let mut entries = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let name_len = cursor.u16()? as usize;
        let name = std::str::from_utf8(cursor.take(name_len)?)
            .map_err(|_| BundleError::Malformed("file name is not UTF-8"))?;
        let offset = cursor.u64()?;
        let len = cursor.u64()?;
        entries.push((name, offset, len));
    }
    let data = &body[cursor.pos..];
    entries
        .into_iter()
        .map(|(name, offset, len)| {
            let start =
                usize::try_from(offset).map_err(|_| BundleError::Malformed("file offset too large"))?;
            let end = usize::try_from(len)
                .ok()
                .and_then(|len| start.checked_add(len))
                .filter(|&end| end <= data.len())
                .ok_or(BundleError::Malformed("file extends past the end of the bundle"))?;
            Ok(BundleFile { name, bytes: &data[start..end] })
        })
        .collect()
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BundleError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(BundleError::Malformed("header truncated"))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }
    fn u16(&mut self) -> Result<u16, BundleError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }
    fn u32(&mut self) -> Result<u32, BundleError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Result<u64, BundleError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        write(&[
            BundleFile { name: "meta.json", bytes: b"{}" },
            BundleFile { name: "a.idx", bytes: &[1, 2, 3, 4, 5] },
            BundleFile { name: "empty", bytes: &[] },
        ])
    }

    #[test]
    fn round_trips_names_and_bytes() {
        let bytes = sample();
        let files = read(&bytes).expect("valid bundle");
        assert_eq!(files.len(), 3);
        assert_eq!(files[1], BundleFile { name: "a.idx", bytes: &[1, 2, 3, 4, 5] });
        assert_eq!(files[2].bytes, b"");
    }

    #[test]
    fn rejects_other_files() {
        assert_eq!(read(b"<!doctype html>"), Err(BundleError::BadMagic));
        assert_eq!(read(b""), Err(BundleError::BadMagic));
    }

    #[test]
    fn rejects_other_versions() {
        let mut bytes = sample();
        bytes[8..12].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(
            read(&bytes),
            Err(BundleError::UnsupportedVersion { found: 7, supported: FORMAT_VERSION })
        );
    }

    #[test]
    fn detects_truncation_and_flipped_bits() {
        let bytes = sample();
        assert!(matches!(read(&bytes[..bytes.len() - 3]), Err(BundleError::ChecksumMismatch { .. })));
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x40;
        assert!(matches!(read(&flipped), Err(BundleError::ChecksumMismatch { .. })));
    }

    #[test]
    fn rejects_a_table_pointing_outside_the_data_even_with_a_valid_checksum() {
        let mut bytes = sample();
        bytes.truncate(bytes.len() - 4);
        // The first entry's length field sits after magic, version, count, name_len and "meta.json", offset.
        let len_at = 8 + 4 + 4 + 2 + "meta.json".len() + 8;
        bytes[len_at..len_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        let checksum = crc32fast::hash(&bytes);
        bytes.extend_from_slice(&checksum.to_le_bytes());
        assert!(matches!(read(&bytes), Err(BundleError::Malformed(_))));
    }
}
