//! A real disk the tests can fill up or slow down: an ext4 image on a loop device, mounted
//! under the temp dir; "full" is a filler file taking every free block, "slow" is a blkio
//! write-IOPS limit on the loop device. Needs root (mount, losetup, the blkio cgroup);
//! [`ScratchDisk::new`] says why not otherwise, and the tests print it as "skipped: ...".

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// cgroup v1 blkio throttle for the root group (where the test processes run).
const WRITE_IOPS: &str = "/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device";

/// A mounted scratch filesystem; unmounted and detached on drop.
pub struct ScratchDisk {
    image: PathBuf,
    device: String,
    /// Major:minor of the loop device (for the throttle).
    numbers: String,
    /// The mount point.
    pub mount: PathBuf,
    /// A directory off the scratch disk for server logs (kept when the test fails).
    pub logs: PathBuf,
}

fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl ScratchDisk {
    /// A fresh ext4 filesystem of `megabytes`, no blocks reserved for root.
    ///
    /// # Errors
    /// Why it cannot be made here (not root, no loop devices, no mkfs.ext4).
    pub fn new(name: &str, megabytes: u64) -> Result<Self, String> {
        let root = super::fresh_dir(&format!("disk-{name}"));
        let image = root.join("disk.img");
        let mount = root.join("mnt");
        let logs = root.join("logs");
        std::fs::create_dir_all(&mount).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
        std::fs::File::create(&image)
            .and_then(|f| f.set_len(megabytes * 1024 * 1024))
            .map_err(|e| e.to_string())?;
        let device = run("losetup", &["-f", "--show", &image.to_string_lossy()])?;
        let disk = ScratchDisk {
            numbers: std::fs::read_to_string(format!(
                "/sys/block/{}/dev",
                device.trim_start_matches("/dev/")
            ))
            .map_err(|e| format!("{device}: {e}"))?
            .trim()
            .to_owned(),
            image,
            device,
            mount,
            logs,
        };
        // A limit left on this device by a run that died before its clean-up.
        let _ = disk.throttle_writes(0);
        run("mkfs.ext4", &["-q", "-m", "0", &disk.device])?;
        run("mount", &[&disk.device, &disk.mount.to_string_lossy()])?;
        Ok(disk)
    }

    fn filler(&self) -> PathBuf {
        self.mount.join("filler")
    }

    /// Writes a file until the filesystem answers ENOSPC.
    pub fn fill(&self) {
        let mut file = std::fs::File::create(self.filler()).unwrap();
        for size in [1 << 20, 4096, 512] {
            let chunk = vec![0xA5u8; size];
            while file.write_all(&chunk).is_ok() {}
        }
        let _ = file.sync_all();
        let probe = std::fs::write(self.mount.join("probe"), vec![1u8; 8192]);
        assert!(probe.is_err(), "the scratch disk still takes writes");
    }

    /// Deletes the filler.
    pub fn free(&self) {
        std::fs::remove_file(self.filler()).unwrap();
    }

    /// At most `iops` write operations per second reach the disk (0 lifts the limit).
    ///
    /// # Errors
    /// When the blkio controller is not there.
    pub fn throttle_writes(&self, iops: u32) -> Result<(), String> {
        std::fs::write(WRITE_IOPS, format!("{} {iops}", self.numbers))
            .map_err(|e| format!("{WRITE_IOPS}: {e}"))
    }
}

impl Drop for ScratchDisk {
    fn drop(&mut self) {
        let _ = self.throttle_writes(0);
        let _ = run("umount", &["-l", &self.mount.to_string_lossy()]);
        let _ = run("losetup", &["-d", &self.device]);
        let _ = std::fs::remove_file(&self.image);
        if !std::thread::panicking()
            && let Some(root) = self.image.parent()
        {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}
