//! The files articles show or offer (images, PDFs): each is published once, under a name made from its
//! content (`map.1a2b3c4d5e.png`), so a host may cache it for good, and an image's size is read from its
//! header so pages do not jump as they load.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::markdown::Published;

/// Where published files go, below the output folder.
pub const FOLDER: &str = "assets/files";

/// One published file.
#[derive(Debug, Clone)]
pub struct Asset {
    /// The file in the content folder.
    pub source: PathBuf,
    /// Its path below the output folder (`assets/files/map.1a2b3c4d5e.png`).
    pub public: String,
    /// Pixel size, for an image whose header says it.
    pub size: Option<(u32, u32)>,
}

/// The published files, by their content-relative path as links name them (see `link_key`).
#[derive(Debug, Default)]
pub struct Assets {
    by_path: HashMap<PathBuf, Asset>,
}

impl Assets {
    /// Names and measures `files` (content-relative keys and the files' paths), reading each once.
    pub fn publish(files: Vec<(PathBuf, PathBuf)>) -> std::io::Result<Assets> {
        let published: std::io::Result<Vec<(PathBuf, Asset)>> = files
            .into_par_iter()
            .map(|(key, source)| {
                let bytes = std::fs::read(&source)?;
                let stem =
                    source.file_stem().map(|s| super::slugify(&s.to_string_lossy())).unwrap_or_default();
                let ext = source.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
                let hash = crate::site::short_hash(&bytes);
                let stem = if stem.is_empty() { "file".to_owned() } else { stem };
                let public = format!("{FOLDER}/{stem}.{hash}.{ext}");
                let size = imagesize::blob_size(&bytes)
                    .ok()
                    .and_then(|s| Some((u32::try_from(s.width).ok()?, u32::try_from(s.height).ok()?)));
                Ok((key, Asset { source, public, size }))
            })
            .collect();
        Ok(Assets { by_path: published?.into_iter().collect() })
    }

    /// The published file at a content-relative key.
    pub fn get(&self, key: &Path, base_path: &str) -> Option<Published> {
        let asset = self.by_path.get(key)?;
        Some(Published { url: format!("{base_path}/{}", asset.public), size: asset.size })
    }

    /// Every published file, for copying into the output.
    pub fn files(&self) -> impl Iterator<Item = &Asset> {
        self.by_path.values()
    }

    /// How many files are published.
    pub fn len(&self) -> usize {
        self.by_path.len()
    }
}
