//! Reading each kind of file into a [`StreamMatcher`], with the integrity checks Cassandra
//! itself would make: chunk CRC32s of compressed SSTables, `CRC.db` of uncompressed ones, the
//! whole-file `Digest.crc32`. A failed check stops the file: what it holds is then not known.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::compress::Compressor;
use crate::stream::StreamMatcher;

/// Where the bytes of a file go, in order: the stream searched.
pub trait Sink {
    fn push(&mut self, bytes: &[u8]);
    fn finish(&mut self);
}

impl Sink for StreamMatcher<'_> {
    fn push(&mut self, bytes: &[u8]) {
        StreamMatcher::push(self, bytes)
    }
    fn finish(&mut self) {
        StreamMatcher::finish(self)
    }
}

/// A sink that hands each piece to a function (for tools and tests that look at the
/// decompressed stream itself).
pub struct FnSink<F: FnMut(&[u8])>(pub F);

impl<F: FnMut(&[u8])> Sink for FnSink<F> {
    fn push(&mut self, bytes: &[u8]) {
        (self.0)(bytes)
    }
    fn finish(&mut self) {}
}

/// Bytes read from disk at a time for files read as they are.
const BLOCK: usize = 1 << 20;

/// How a file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// An SSTable's `Data.db` with a `CompressionInfo.db`.
    CompressedData {
        info: PathBuf,
        digest: Option<PathBuf>,
    },
    /// An SSTable's `Data.db` without compression, checked by `CRC.db` when there is one.
    PlainData {
        crc: Option<PathBuf>,
        digest: Option<PathBuf>,
    },
    /// A commit log segment (`CommitLog-<version>-<id>.log`).
    CommitLog,
    /// A hints file (`<host id>-<timestamp>-<version>.hints`).
    Hints,
    /// Any other file: read as it is (index, summary, statistics, filter, manifest...).
    Raw,
}

/// What reading a file found out about its format, for the report.
#[derive(Debug, Default, Clone)]
pub struct ReadInfo {
    /// The compressor the file names, when it is compressed.
    pub compressor: Option<&'static str>,
    /// Whether checksums were verified (and which).
    pub checked: Vec<&'static str>,
}

/// Why a file could not be read to its end. Never holds a stored value.
pub type Problem = String;

/// Reads `path` in `format` into `sink`.
pub fn read_file(path: &Path, format: &Format, sink: &mut dyn Sink) -> Result<ReadInfo, Problem> {
    match format {
        Format::CompressedData { info, digest } => {
            compressed_data(path, info, digest.as_deref(), sink)
        }
        Format::PlainData { crc, digest } => {
            plain_data(path, crc.as_deref(), digest.as_deref(), sink)
        }
        Format::CommitLog => commit_log(path, sink),
        Format::Hints => hints(path, sink),
        Format::Raw => {
            let mut file = open(path)?;
            raw_stream(&mut file, sink, &mut |_| {}).map_err(|e| io_problem(path, e))?;
            Ok(ReadInfo::default())
        }
    }
}

fn open(path: &Path) -> Result<File, Problem> {
    let file = File::open(path).map_err(|e| io_problem(path, e))?;
    let meta = file.metadata().map_err(|e| io_problem(path, e))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    Ok(file)
}

fn io_problem(path: &Path, e: io::Error) -> Problem {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    match e.kind() {
        io::ErrorKind::UnexpectedEof => format!("{name}: ends before its data does (truncated)"),
        io::ErrorKind::PermissionDenied => format!("{name}: permission denied"),
        _ => format!("{name}: {e}"),
    }
}

/// Streams a whole file into `sink`, and every byte read into `seen` (checksums).
fn raw_stream(file: &mut File, sink: &mut dyn Sink, seen: &mut dyn FnMut(&[u8])) -> io::Result<()> {
    let mut buf = vec![0u8; BLOCK];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        seen(&buf[..n]);
        sink.push(&buf[..n]);
    }
    sink.finish();
    Ok(())
}

/// A big-endian reader over a buffered file.
struct Be<R: Read>(R);

impl<R: Read> Be<R> {
    fn u16(&mut self) -> io::Result<u16> {
        let mut b = [0; 2];
        self.0.read_exact(&mut b)?;
        Ok(u16::from_be_bytes(b))
    }
    fn i32(&mut self) -> io::Result<i32> {
        let mut b = [0; 4];
        self.0.read_exact(&mut b)?;
        Ok(i32::from_be_bytes(b))
    }
    fn i64(&mut self) -> io::Result<i64> {
        let mut b = [0; 8];
        self.0.read_exact(&mut b)?;
        Ok(i64::from_be_bytes(b))
    }
    /// Java's `writeUTF`: a u16 length and (modified) UTF-8.
    fn utf(&mut self) -> io::Result<String> {
        let len = self.u16()? as usize;
        let mut b = vec![0; len];
        self.0.read_exact(&mut b)?;
        Ok(String::from_utf8_lossy(&b).into_owned())
    }
}

/// The header of a `CompressionInfo.db` (io/compress/CompressionMetadata.java); the chunk
/// offsets follow it and are read one at a time.
#[derive(Debug)]
pub struct CompressionInfo {
    pub compressor: Compressor,
    pub chunk_length: usize,
    pub max_compressed_length: usize,
    pub data_length: u64,
    pub chunk_count: u64,
}

/// Whether an SSTable's CompressionInfo.db has the `maxCompressedLength` field: SSTable
/// versions `na` and later of the big format (Cassandra 4.0+), and every bti version.
fn has_max_compressed_length(data_path: &Path) -> bool {
    let name = data_path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut parts = name.split('-');
    let version = parts.next().unwrap_or_default();
    let format = name.split('-').nth(2).unwrap_or_default();
    format != "big" || version >= "na"
}

fn read_compression_info<R: Read>(
    r: &mut Be<R>,
    with_max: bool,
) -> Result<CompressionInfo, Problem> {
    let bad = |e: io::Error| format!("CompressionInfo.db: {e}");
    let class = r.utf().map_err(bad)?;
    let compressor = Compressor::from_class(&class).ok_or_else(|| {
        format!("CompressionInfo.db names a compressor this check cannot read ({class:.80})")
    })?;
    let options = r.i32().map_err(bad)?;
    if !(0..=1000).contains(&options) {
        return Err(format!(
            "CompressionInfo.db: {options} options is not plausible"
        ));
    }
    for _ in 0..options {
        r.utf().map_err(bad)?;
        r.utf().map_err(bad)?;
    }
    let chunk_length = r.i32().map_err(bad)?;
    if !(1..=1 << 30).contains(&chunk_length) {
        return Err(format!(
            "CompressionInfo.db: chunk length {chunk_length} is not plausible"
        ));
    }
    let max_compressed_length = if with_max {
        r.i32().map_err(bad)?
    } else {
        i32::MAX
    };
    let data_length = r.i64().map_err(bad)?;
    let chunk_count = r.i32().map_err(bad)?;
    if data_length < 0 || chunk_count < 0 {
        return Err("CompressionInfo.db: negative length or chunk count".into());
    }
    Ok(CompressionInfo {
        compressor,
        chunk_length: chunk_length as usize,
        max_compressed_length: max_compressed_length.max(0) as usize,
        data_length: data_length as u64,
        chunk_count: chunk_count as u64,
    })
}

/// The CRC32 `Digest.crc32` holds: ASCII decimal.
fn read_digest(path: &Path) -> Result<u32, Problem> {
    let text = std::fs::read_to_string(path).map_err(|e| io_problem(path, e))?;
    text.trim()
        .parse::<u32>()
        .map_err(|_| "Digest.crc32 does not hold a CRC32".to_string())
}

fn check_digest(digest: Option<&Path>, actual: u32, info: &mut ReadInfo) -> Result<(), Problem> {
    if let Some(path) = digest {
        let expected = read_digest(path)?;
        if expected != actual {
            return Err(format!(
                "Data.db does not match its Digest.crc32 (expected {expected}, read {actual})"
            ));
        }
        info.checked.push("Digest.crc32");
    }
    Ok(())
}

/// A compressed `Data.db`: chunk `i` is `[offset i, offset i+1)`, the compressed block and
/// its 4-byte big-endian CRC32; a block of `maxCompressedLength` bytes or more is stored
/// uncompressed (CompressedSequentialWriter.flushData, CompressedChunkReader).
fn compressed_data(
    path: &Path,
    info_path: &Path,
    digest: Option<&Path>,
    sink: &mut dyn Sink,
) -> Result<ReadInfo, Problem> {
    let info_file = open(info_path)?;
    let mut meta = Be(BufReader::with_capacity(64 << 10, info_file));
    let ci = read_compression_info(&mut meta, has_max_compressed_length(path))?;
    let mut info = ReadInfo {
        compressor: Some(ci.compressor.name()),
        checked: vec!["chunk CRC32"],
    };
    let data = open(path)?;
    let file_len = data.metadata().map_err(|e| io_problem(path, e))?.len();
    let mut data = BufReader::with_capacity(BLOCK, data);
    let mut digest_crc = crc32fast::Hasher::new();
    let mut block = Vec::new();
    let mut out = Vec::with_capacity(ci.chunk_length);
    let mut position = 0u64; // in Data.db
    let mut uncompressed = 0u64;
    let next_offset = |meta: &mut Be<_>, i: u64| -> Result<u64, Problem> {
        if i == ci.chunk_count {
            return Ok(file_len);
        }
        let off = meta
            .i64()
            .map_err(|e| format!("CompressionInfo.db: chunk offset {i}: {e}"))?;
        u64::try_from(off).map_err(|_| format!("CompressionInfo.db: chunk offset {i} is negative"))
    };
    let mut start = if ci.chunk_count == 0 {
        file_len
    } else {
        next_offset(&mut meta, 0)?
    };
    if start != 0 {
        return Err("CompressionInfo.db: the first chunk does not start at 0".into());
    }
    for i in 0..ci.chunk_count {
        let end = next_offset(&mut meta, i + 1)?;
        if end < start + 4 || end > file_len || start != position {
            return Err(format!(
                "chunk {i}: offsets {start}..{end} do not fit Data.db of {file_len} bytes"
            ));
        }
        let len = (end - start) as usize;
        if len > ci.chunk_length.max(ci.max_compressed_length.min(1 << 30)) * 2 + 64 {
            return Err(format!(
                "chunk {i}: {len} bytes is more than a chunk can hold"
            ));
        }
        block.resize(len, 0);
        data.read_exact(&mut block)
            .map_err(|e| format!("chunk {i}: {}", io_problem(path, e)))?;
        digest_crc.update(&block);
        position = end;
        let (body, crc) = block.split_at(len - 4);
        let expected = u32::from_be_bytes(crc.try_into().expect("4 bytes"));
        if crc32fast::hash(body) != expected {
            return Err(format!(
                "chunk {i} (at byte {start}): checksum mismatch (CRC32)"
            ));
        }
        let want = (ci.data_length - uncompressed).min(ci.chunk_length as u64) as usize;
        if body.is_empty() {
            // A writer can end with an empty chunk (seen after a Deflate compaction): it
            // holds nothing.
            out.clear();
        } else if body.len() >= ci.max_compressed_length {
            // Stored uncompressed, padded.
            out.clear();
            out.extend_from_slice(&body[..want.min(body.len())]);
        } else {
            ci.compressor
                .decompress(body, &mut out, ci.chunk_length)
                .map_err(|e| {
                    format!("chunk {i} (at byte {start}): cannot be decompressed ({e})")
                })?;
        }
        uncompressed += out.len() as u64;
        sink.push(&out);
        start = end;
    }
    sink.finish();
    if position != file_len {
        return Err(format!(
            "Data.db has {} bytes after its last chunk",
            file_len - position
        ));
    }
    if uncompressed != ci.data_length {
        return Err(format!(
            "chunks decompress to {uncompressed} bytes, CompressionInfo.db says {}",
            ci.data_length
        ));
    }
    check_digest(digest, digest_crc.finalize(), &mut info)?;
    Ok(info)
}

/// An uncompressed `Data.db`: `CRC.db` holds a chunk size and one CRC32 per chunk.
fn plain_data(
    path: &Path,
    crc: Option<&Path>,
    digest: Option<&Path>,
    sink: &mut dyn Sink,
) -> Result<ReadInfo, Problem> {
    let mut info = ReadInfo::default();
    let mut file = open(path)?;
    let mut digest_crc = crc32fast::Hasher::new();
    match crc {
        None => {
            raw_stream(&mut file, sink, &mut |b| digest_crc.update(b))
                .map_err(|e| io_problem(path, e))?;
        }
        Some(crc_path) => {
            let mut crcs = Be(BufReader::with_capacity(64 << 10, open(crc_path)?));
            let chunk = crcs.i32().map_err(|e| format!("CRC.db: {e}"))?;
            if !(1..=1 << 30).contains(&chunk) {
                return Err(format!("CRC.db: chunk size {chunk} is not plausible"));
            }
            let mut buf = vec![0u8; chunk as usize];
            let mut i = 0u64;
            loop {
                let n = read_full(&mut file, &mut buf).map_err(|e| io_problem(path, e))?;
                if n == 0 {
                    break;
                }
                let expected = crcs
                    .i32()
                    .map_err(|e| format!("CRC.db: no checksum for chunk {i}: {e}"))?
                    as u32;
                if crc32fast::hash(&buf[..n]) != expected {
                    return Err(format!(
                        "chunk {i} (at byte {}): checksum mismatch (CRC.db)",
                        i * chunk as u64
                    ));
                }
                digest_crc.update(&buf[..n]);
                sink.push(&buf[..n]);
                i += 1;
                if n < buf.len() {
                    break;
                }
            }
            sink.finish();
            info.checked.push("CRC.db");
        }
    }
    check_digest(digest, digest_crc.finalize(), &mut info)?;
    Ok(info)
}

/// Reads until `buf` is full or the file ends.
fn read_full(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The JSON parameters of a commit log or hints header: which compressor, or encryption.
enum Params {
    Plain,
    Compressed(Compressor),
    Encrypted,
}

fn params(json: &[u8], what: &str) -> Result<Params, Problem> {
    let value: serde_json::Value = serde_json::from_slice(json)
        .map_err(|_| format!("{what} header parameters are not JSON"))?;
    // Commit log: {"compressionClass": ..., "compressionParameters": ...} or the encryption
    // context's keys; hints: {"compression": {"class_name": ...}} or {"encryption": ...}.
    let obj = value.as_object().cloned().unwrap_or_default();
    if obj.keys().any(|k| k.starts_with("enc")) {
        return Ok(Params::Encrypted);
    }
    let class = obj
        .get("compressionClass")
        .and_then(|v| v.as_str())
        .or_else(|| {
            obj.get("compression")
                .and_then(|c| c.get("class_name"))
                .and_then(|v| v.as_str())
        });
    match class {
        None => Ok(Params::Plain),
        Some(c) => Compressor::from_class(c)
            .map(Params::Compressed)
            .ok_or_else(|| {
                format!("{what} is compressed with a compressor this check cannot read ({c:.80})")
            }),
    }
}

/// A commit log segment (db/commitlog/CommitLogDescriptor.writeHeader, CompressedSegment.write):
/// `i32 version, i64 id, u16 length, JSON parameters, i32 CRC`; then sync sections. An
/// uncompressed segment holds the mutations' bytes as they are and is read whole; in a
/// compressed one each section is `i32 next section offset, i32 CRC, i32 uncompressed
/// length` and one compressed block.
fn commit_log(path: &Path, sink: &mut dyn Sink) -> Result<ReadInfo, Problem> {
    let mut file = open(path)?;
    let mut head = Be(BufReader::with_capacity(64 << 10, &mut file));
    let bad = |e: io::Error| format!("commit log header: {e}");
    let _version = head.i32().map_err(bad)?;
    let _id = head.i64().map_err(bad)?;
    let len = head.u16().map_err(bad)? as usize;
    let mut json = vec![0; len];
    head.0.read_exact(&mut json).map_err(bad)?;
    let _crc = head.i32().map_err(bad)?;
    drop(head);
    match params(&json, "commit log segment")? {
        Params::Encrypted => {
            Err("commit log segment is encrypted: its content cannot be checked".into())
        }
        Params::Plain => {
            let mut file = open(path)?;
            raw_stream(&mut file, sink, &mut |_| {}).map_err(|e| io_problem(path, e))?;
            Ok(ReadInfo::default())
        }
        Params::Compressed(c) => {
            let bytes_header = 4 + 8 + 2 + len as u64 + 4;
            let mut file = open(path)?;
            let file_len = file.metadata().map_err(|e| io_problem(path, e))?.len();
            let mut r = BufReader::with_capacity(BLOCK, &mut file);
            io::copy(&mut (&mut r).take(bytes_header), &mut io::sink())
                .map_err(|e| io_problem(path, e))?;
            let mut r = Be(r);
            let mut position = bytes_header;
            let mut block = Vec::new();
            let mut out = Vec::new();
            // Sections follow one another until a marker that points nowhere (the unused,
            // zeroed tail of the segment).
            while position + 12 <= file_len {
                let next = r.i32().map_err(|e| io_problem(path, e))? as i64 as u64;
                let _crc = r.i32().map_err(|e| io_problem(path, e))?;
                let plain = r.i32().map_err(|e| io_problem(path, e))?;
                if next <= position + 12 || next > file_len || plain < 0 {
                    break;
                }
                block.resize((next - position - 12) as usize, 0);
                r.0.read_exact(&mut block)
                    .map_err(|e| io_problem(path, e))?;
                c.decompress(&block, &mut out, plain as usize)
                    .map_err(|e| {
                        format!(
                            "commit log section at byte {position}: cannot be decompressed ({e})"
                        )
                    })?;
                sink.push(&out);
                position = next;
            }
            sink.finish();
            Ok(ReadInfo {
                compressor: Some(c.name()),
                checked: vec![],
            })
        }
    }
}

/// A hints file (hints/HintsDescriptor.serialize, CompressedHintsWriter.writeBuffer):
/// `i32 version, i64 timestamp, i64 + i64 host id, i32 length, i32 CRC, JSON parameters,
/// i32 CRC`; then the hints as they are, or blocks of `i32 uncompressed length, i32
/// compressed length` and the compressed bytes.
fn hints(path: &Path, sink: &mut dyn Sink) -> Result<ReadInfo, Problem> {
    let mut file = open(path)?;
    let mut head = Be(BufReader::with_capacity(64 << 10, &mut file));
    let bad = |e: io::Error| format!("hints header: {e}");
    let _version = head.i32().map_err(bad)?;
    let _timestamp = head.i64().map_err(bad)?;
    let _msb = head.i64().map_err(bad)?;
    let _lsb = head.i64().map_err(bad)?;
    let len = head.i32().map_err(bad)?;
    if !(0..=1 << 20).contains(&len) {
        return Err(format!(
            "hints header: parameters of {len} bytes is not plausible"
        ));
    }
    let _crc = head.i32().map_err(bad)?;
    let mut json = vec![0; len as usize];
    head.0.read_exact(&mut json).map_err(bad)?;
    let _crc = head.i32().map_err(bad)?;
    match params(&json, "hints file")? {
        Params::Encrypted => Err("hints file is encrypted: its content cannot be checked".into()),
        Params::Plain => {
            drop(head);
            let mut file = open(path)?;
            raw_stream(&mut file, sink, &mut |_| {}).map_err(|e| io_problem(path, e))?;
            Ok(ReadInfo::default())
        }
        Params::Compressed(c) => {
            let mut block = Vec::new();
            let mut out = Vec::new();
            loop {
                let plain = match head.i32() {
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(io_problem(path, e)),
                };
                let compressed = head.i32().map_err(|e| io_problem(path, e))?;
                if !(0..=1 << 30).contains(&plain) || !(0..=1 << 30).contains(&compressed) {
                    return Err("hints block lengths are not plausible".into());
                }
                block.resize(compressed as usize, 0);
                head.0
                    .read_exact(&mut block)
                    .map_err(|e| io_problem(path, e))?;
                c.decompress(&block, &mut out, plain as usize)
                    .map_err(|e| format!("hints block cannot be decompressed ({e})"))?;
                sink.push(&out);
            }
            sink.finish();
            Ok(ReadInfo {
                compressor: Some(c.name()),
                checked: vec![],
            })
        }
    }
}
