//! Writing an output file without losing anything: a regular file is replaced atomically,
//! but a FIFO, a terminal or another device is written as it is (replacing it with a
//! plain file would break whoever reads it), and a symlink is followed so the link stays a
//! link.

use super::FileError;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How many symlinks in a row are followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Writes a file through `fill`.
///
/// - A missing path or a regular file: written to a temporary file beside it, flushed to
///   disk, then renamed over it, so a reader (or a crash) sees the old file or the
///   complete new one, never half of it; the old file's permissions are kept. On failure
///   the temporary file is removed and the path is left as it was.
/// - A FIFO, a character or block device (`/dev/stdout`, a terminal): opened and written
///   in place, never replaced.
/// - A symlink: followed (through chains of links, dangling ones included), and the rules
///   above apply to its target, so the rename happens next to the target.
/// - A directory or a socket: refused with a message.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> Result<(), FileError> {
    let fail = |e| FileError::io(Some(path.to_owned()), true, e);
    let target = resolve(path).map_err(fail)?;
    match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => Err(fail(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        ))),
        Ok(meta) if meta.is_file() => {
            replace(&target, Some(meta.permissions()), fill).map_err(fail)
        }
        Ok(meta) => in_place(&target, &meta, fill).map_err(fail),
        Err(e) if e.kind() == io::ErrorKind::NotFound => replace(&target, None, fill).map_err(fail),
        Err(e) => Err(fail(e)),
    }
}

/// The path a write to `path` lands on: `path` itself unless it is a symlink, else the
/// end of its chain of links (which may not exist yet).
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                // A relative link is relative to the directory holding it.
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other(format!(
        "more than {MAX_LINKS} symlinks in a row"
    )))
}

/// Writes a FIFO or device as it is. A socket cannot be opened as a file: that gets its
/// own message rather than the system's "No such device or address".
fn in_place(
    path: &Path,
    meta: &fs::Metadata,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if meta.file_type().is_socket() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a socket, not a file",
            ));
        }
    }
    let _ = meta;
    let file = File::options().write(true).open(path)?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    fill(&mut out)?;
    out.flush()
}

/// The atomic replace: a temporary file in the same directory (a rename never crosses
/// file systems, which would not be atomic), synced, then renamed.
fn replace(
    path: &Path,
    permissions: Option<fs::Permissions>,
    fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file")
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Litter of a writer killed mid-write beside this target goes first.
    super::temp::sweep(dir, name);
    let tmp = super::temp::path_for(dir, name);
    let file = File::options().write(true).create_new(true).open(&tmp)?;
    super::temp::start(&tmp);
    let written = (|| {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        fill(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        super::temp::done();
        return Err(e);
    }
    super::temp::done();
    sync_dir(dir);
    Ok(())
}

/// Makes the rename itself durable. Best effort: not every platform can open a directory,
/// and the file is already complete either way.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
