//! A function process's memory, as Linux reports it in `/proc/<pid>/status`:
//! what Lambda's `Max Memory Used` and the memory benchmarks and tests read.

/// Resident memory of a process, in kB.
///
/// ```no_run
/// # fn demo(worker: &goblet_local::lambda::Worker) {
/// if let Some(memory) = worker.memory() {
///     println!("{} kB resident, {} kB at the most", memory.rss_kb, memory.peak_kb);
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessMemory {
    /// Resident now (`VmRSS`).
    pub rss_kb: u64,
    /// The most it was ever resident (`VmHWM`, the high-water mark).
    pub peak_kb: u64,
}

impl ProcessMemory {
    /// Reads `/proc/<pid>/status`; `None` when there is no such process (or
    /// no procfs).
    pub fn of(pid: u32) -> Option<ProcessMemory> {
        let status = std::fs::read(format!("/proc/{pid}/status")).ok()?;
        Some(ProcessMemory {
            rss_kb: status_kb(&status, b"VmRSS:")?,
            peak_kb: status_kb(&status, b"VmHWM:")?,
        })
    }
}

/// The `KEY   1234 kB` line of a `/proc/<pid>/status`, in kB.
pub(crate) fn status_kb(status: &[u8], key: &[u8]) -> Option<u64> {
    let at = status.windows(key.len()).position(|w| w == key)? + key.len();
    let value = status[at..].trim_ascii_start();
    let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&value[..digits]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_of_a_status_file() {
        let status = b"VmPeak:\t  9 kB\nVmHWM:\t    2049 kB\nVmRSS:\t 1800 kB\n";
        assert_eq!(status_kb(status, b"VmHWM:"), Some(2049));
        assert_eq!(status_kb(status, b"VmRSS:"), Some(1800));
        assert_eq!(status_kb(b"VmHWM: kB\n", b"VmHWM:"), None);
        assert_eq!(status_kb(b"", b"VmHWM:"), None);
    }

    #[test]
    fn reads_this_processs_memory() {
        let memory = ProcessMemory::of(std::process::id()).expect("this process's status");
        assert!(
            memory.rss_kb > 0 && memory.peak_kb >= memory.rss_kb,
            "{memory:?}"
        );
        assert_eq!(ProcessMemory::of(u32::MAX), None);
    }
}
