//! Atomic publishing: everything is written into a staging folder beside the output folder, which replaces
//! the output folder only once the whole build succeeded. A failed build leaves the previous output as it was.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// A staging folder that becomes the output folder on [`Staging::publish`], and disappears otherwise.
#[derive(Debug)]
pub struct Staging {
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl Staging {
    /// Creates the staging folder next to `target` (same file system, so the final rename is atomic).
    pub fn new(target: &Path) -> anyhow::Result<Self> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let name = target.file_name().map_or("dist".into(), |n| n.to_string_lossy().into_owned());
        let dir = tempfile::Builder::new()
            .prefix(&format!(".{name}.building-"))
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a staging folder in {}", parent.display()))?;
        Ok(Staging { dir, target: target.to_path_buf() })
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replaces the target with the staging folder: rename the old output aside, rename the new one in,
    /// then delete the old one.
    pub fn publish(self) -> anyhow::Result<()> {
        let staged = self.dir.keep();
        let old = if self.target.exists() {
            let aside = staged.with_file_name(format!(
                ".{}.old-{}",
                self.target.file_name().map_or("dist".into(), |n| n.to_string_lossy()),
                std::process::id()
            ));
            std::fs::rename(&self.target, &aside)
                .with_context(|| format!("cannot move the previous {} aside", self.target.display()))?;
            Some(aside)
        } else {
            None
        };
        if let Err(err) = std::fs::rename(&staged, &self.target) {
            // Put the previous output back before reporting.
            if let Some(old) = &old {
                let _ = std::fs::rename(old, &self.target);
            }
            let _ = std::fs::remove_dir_all(&staged);
            return Err(err)
                .with_context(|| format!("cannot move the new build into {}", self.target.display()));
        }
        // The new output is live; a leftover old copy is untidy but not a failed build.
        if let Some(old) = old
            && let Err(err) = std::fs::remove_dir_all(&old)
        {
            eprintln!("warning: could not remove the previous output at {}: {err}", old.display());
        }
        Ok(())
    }
}
