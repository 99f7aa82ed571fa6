//! Atomic publishing: everything is written into a staging folder beside the output folder, which replaces
//! the output folder only once the whole build succeeded. A failed build leaves the previous output as it
//! was.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Output folders that belong to other tools: `widget/` is Trunk's (the widget build), so rebuilding the
/// help center must not delete it.
pub const FOREIGN: [&str; 1] = ["widget"];

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

    /// Replaces the target with the staging folder: rename the old output aside, rename the new one in, then
    /// delete the old one. Folders other tools write into the output ([`FOREIGN`]) move over as they are.
    pub fn publish(self) -> anyhow::Result<()> {
        for name in FOREIGN {
            let previous = self.target.join(name);
            if previous.is_dir() {
                std::fs::rename(&previous, self.dir.path().join(name)).with_context(|| {
                    format!("cannot carry {} over into the new build", previous.display())
                })?;
            }
        }
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
            for name in FOREIGN {
                let _ = std::fs::rename(staged.join(name), self.target.join(name));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_replaces_the_output_but_keeps_the_widget_build() {
        let parent = tempfile::tempdir().unwrap();
        let target = parent.path().join("dist");
        std::fs::create_dir_all(target.join("widget")).unwrap();
        std::fs::write(target.join("widget/answerdesk.js"), "loader").unwrap();
        std::fs::write(target.join("stale.html"), "old page").unwrap();

        let staging = Staging::new(&target).unwrap();
        std::fs::write(staging.path().join("index.html"), "new page").unwrap();
        staging.publish().unwrap();

        assert_eq!(std::fs::read_to_string(target.join("index.html")).unwrap(), "new page");
        assert!(!target.join("stale.html").exists(), "pages of the previous build are gone");
        assert_eq!(std::fs::read_to_string(target.join("widget/answerdesk.js")).unwrap(), "loader");
        let leftovers: Vec<_> = std::fs::read_dir(parent.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no staging or old folders are left behind");
    }
}
