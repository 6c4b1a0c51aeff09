//! Small ELF files made for the tests with `object::write`: executables for
//! x86_64 or aarch64 with a goblet manifest section and the glibc symbol
//! versions they "need" (`.gnu.version_r`), without compiling anything.

use goblet_core::record::{FORMAT_VERSION, KIND_APP, KIND_FRAMEWORK, KIND_ROUTE, MAGIC, SECTION};
use object::Endianness;
use object::elf;
use object::write::elf::{FileHeader, SectionHeader, Vernaux, Verneed, Writer};

/// Records as the linker lays them out.
pub fn records(app: &str, routes: &[&str]) -> Vec<u8> {
    let mut parts = vec![
        (KIND_FRAMEWORK, r#"{"goblet_version":"0.1.0"}"#.to_owned()),
        (KIND_APP, format!(r#"{{"app_name":"{app}"}}"#)),
    ];
    parts.extend(routes.iter().map(|r| (KIND_ROUTE, (*r).to_owned())));
    let mut out = Vec::new();
    for (kind, payload) in parts {
        out.extend_from_slice(&MAGIC);
        out.push(FORMAT_VERSION);
        out.push(kind);
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(payload.as_bytes());
        while out.len() % 8 != 0 {
            out.push(0);
        }
    }
    out
}

/// A route record: `route("/users/{id}", "GET", "AWS_IAM", false, true)`.
pub fn route(path: &str, method: &str, auth: &str, api_key: bool, cors: bool) -> String {
    format!(
        r#"{{"path":"{path}","method":"{method}","authorization_type":"{auth}","api_key_required":{api_key},"cors":{cors},"content_types":["application/json"],"name":"h","handler":"app::h","file":"src/app.rs","line":{}}}"#,
        path.len() * 10 + method.len()
    )
}

#[derive(Debug, Clone)]
pub struct Elf {
    pub machine: u16,
    pub e_type: u16,
    /// Version names needed from libc.so.6 (`GLIBC_2.34`); empty: static.
    pub glibc: Vec<String>,
    /// The `goblet_routes` section, if any.
    pub routes: Option<Vec<u8>>,
    /// `e_entry`: where execution starts. A shared library (`ET_DYN`, as a
    /// position-independent executable is too) has none: 0.
    pub entry: u64,
}

impl Elf {
    /// A position-independent x86_64 executable of the app `hello` with one route.
    pub fn hello() -> Elf {
        Elf {
            machine: elf::EM_X86_64,
            e_type: elf::ET_DYN,
            glibc: vec![
                "GLIBC_2.2.5".into(),
                "GLIBC_2.34".into(),
                "GLIBC_2.17".into(),
            ],
            routes: Some(records(
                "hello",
                &[&route("/", "GET", "AWS_IAM", false, false)],
            )),
            entry: 0x1000,
        }
    }

    /// A shared library (`ET_DYN` without an entry point) carrying the same
    /// manifest and glibc needs as [`Elf::hello`].
    pub fn shared_library() -> Elf {
        Elf {
            entry: 0,
            ..Elf::hello()
        }
    }

    pub fn build(&self) -> Vec<u8> {
        let mut buffer = Vec::new();
        let mut w = Writer::new(Endianness::Little, true, &mut buffer);
        w.reserve_file_header();
        w.reserve_null_section_index();
        let routes = self.routes.as_ref().map(|data| {
            let name = w.add_section_name(SECTION.as_bytes());
            w.reserve_section_index();
            (name, w.reserve(data.len(), 8), data)
        });
        let versions = !self.glibc.is_empty();
        let mut libc = None;
        let mut names = Vec::new();
        if versions {
            libc = Some(w.add_dynamic_string(b"libc.so.6"));
            for v in &self.glibc {
                names.push(w.add_dynamic_string(v.as_bytes()));
            }
            w.reserve_dynstr_section_index();
            w.reserve_gnu_verneed_section_index();
            w.reserve_dynstr();
            w.reserve_gnu_verneed(1, names.len());
        }
        w.reserve_shstrtab_section_index();
        w.reserve_shstrtab();
        w.reserve_section_headers();

        w.write_file_header(&FileHeader {
            os_abi: elf::ELFOSABI_NONE,
            abi_version: 0,
            e_type: self.e_type,
            e_machine: self.machine,
            e_entry: self.entry,
            e_flags: 0,
        })
        .unwrap();
        if let Some((_, offset, data)) = &routes {
            w.pad_until(*offset);
            w.write(data);
        }
        if versions {
            w.write_dynstr();
            w.write_align_gnu_verneed();
            w.write_gnu_verneed(&Verneed {
                version: 1,
                aux_count: names.len() as u16,
                file: libc.unwrap(),
            });
            for (i, name) in names.iter().enumerate() {
                w.write_gnu_vernaux(&Vernaux {
                    flags: 0,
                    index: 2 + i as u16,
                    name: *name,
                });
            }
        }
        w.write_shstrtab();
        w.write_null_section_header();
        if let Some((name, offset, data)) = &routes {
            w.write_section_header(&SectionHeader {
                name: Some(*name),
                sh_type: elf::SHT_PROGBITS,
                sh_flags: elf::SHF_ALLOC.into(),
                sh_addr: 0,
                sh_offset: *offset as u64,
                sh_size: data.len() as u64,
                sh_link: 0,
                sh_info: 0,
                sh_addralign: 8,
                sh_entsize: 0,
            });
        }
        if versions {
            w.write_dynstr_section_header(0);
            w.write_gnu_verneed_section_header(0);
        }
        w.write_shstrtab_section_header();
        buffer
    }
}

/// An empty scratch directory for one test, under the target directory.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = crate::build::scratch_dir(&format!("elf/{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
