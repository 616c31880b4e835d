//! Cassandra's chunk compressors (`org.apache.cassandra.io.compress`), decoded.
//!
//! The same block formats serve SSTable chunks, compressed commit log sections and compressed
//! hints blocks: each is one call of the compressor's `compress` on a buffer.

use std::io::Read;

/// A compressor named by a CompressionInfo.db file or a commit log / hints header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compressor {
    /// `LZ4Compressor`: a 4-byte little-endian uncompressed length, then one raw LZ4 block.
    Lz4,
    /// `SnappyCompressor`: one raw Snappy block (varint length preamble, no framing).
    Snappy,
    /// `DeflateCompressor`: one zlib stream (2-byte header, Adler-32 trailer).
    Deflate,
    /// `ZstdCompressor`: one zstd frame.
    Zstd,
    /// `NoopCompressor`: the bytes as they are.
    Noop,
}

impl Compressor {
    /// The compressor of a class name, simple (`LZ4Compressor`) or qualified
    /// (`org.apache.cassandra.io.compress.LZ4Compressor`).
    pub fn from_class(name: &str) -> Option<Compressor> {
        let simple = name.rsplit('.').next().unwrap_or(name);
        Some(match simple {
            "LZ4Compressor" => Compressor::Lz4,
            "SnappyCompressor" => Compressor::Snappy,
            "DeflateCompressor" => Compressor::Deflate,
            "ZstdCompressor" => Compressor::Zstd,
            "NoopCompressor" => Compressor::Noop,
            _ => return None,
        })
    }

    /// The class's simple name.
    pub fn name(self) -> &'static str {
        match self {
            Compressor::Lz4 => "LZ4Compressor",
            Compressor::Snappy => "SnappyCompressor",
            Compressor::Deflate => "DeflateCompressor",
            Compressor::Zstd => "ZstdCompressor",
            Compressor::Noop => "NoopCompressor",
        }
    }

    /// Decompresses one block into `out` (cleared first). `max_len` bounds the output: a
    /// block that claims or makes more is an error, so a corrupt length cannot make a large
    /// allocation.
    pub fn decompress(self, block: &[u8], out: &mut Vec<u8>, max_len: usize) -> Result<(), String> {
        out.clear();
        match self {
            Compressor::Lz4 => {
                let (len, body) = match block.split_first_chunk::<4>() {
                    Some((len, body)) => (u32::from_le_bytes(*len) as usize, body),
                    None => return Err("LZ4 block shorter than its length".into()),
                };
                if len > max_len {
                    return Err(format!("LZ4 block claims {len} bytes, more than {max_len}"));
                }
                out.resize(len, 0);
                let n = lz4_flex::block::decompress_into(body, out).map_err(|e| e.to_string())?;
                if n != len {
                    return Err(format!("LZ4 block gave {n} bytes, its length says {len}"));
                }
            }
            Compressor::Snappy => {
                let len = snap::raw::decompress_len(block).map_err(|e| e.to_string())?;
                if len > max_len {
                    return Err(format!(
                        "Snappy block claims {len} bytes, more than {max_len}"
                    ));
                }
                out.resize(len, 0);
                let n = snap::raw::Decoder::new()
                    .decompress(block, out)
                    .map_err(|e| e.to_string())?;
                out.truncate(n);
            }
            Compressor::Deflate => {
                let mut decoder = flate2::read::ZlibDecoder::new(block).take(max_len as u64 + 1);
                decoder.read_to_end(out).map_err(|e| e.to_string())?;
                if out.len() > max_len {
                    return Err(format!("Deflate block makes more than {max_len} bytes"));
                }
            }
            Compressor::Zstd => {
                out.reserve(max_len);
                ruzstd::decoding::FrameDecoder::new()
                    .decode_all_to_vec(block, out)
                    .map_err(|e| e.to_string())?;
            }
            Compressor::Noop => {
                if block.len() > max_len {
                    return Err(format!(
                        "block of {} bytes, more than {max_len}",
                        block.len()
                    ));
                }
                out.extend_from_slice(block);
            }
        }
        Ok(())
    }
}
