//! What a file looks like when it is not an ELF binary, so errors can say
//! "this is a Mach-O file" instead of "bad magic".

/// The kind of file `data` is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Elf,
    /// Anything else, described for an error message ("a Mach-O file (macOS)").
    Other(&'static str),
}

pub(crate) fn sniff(data: &[u8]) -> Sniffed {
    const MACH_O: [[u8; 4]; 4] = [
        [0xfe, 0xed, 0xfa, 0xce],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xcf, 0xfa, 0xed, 0xfe],
    ];
    let starts = |magic: &[u8]| data.starts_with(magic);
    if starts(b"\x7fELF") {
        return Sniffed::Elf;
    }
    let what = if data.is_empty() {
        "an empty file"
    } else if MACH_O.iter().any(|m| starts(m)) {
        "a Mach-O file (a macOS binary)"
    } else if starts(&[0xca, 0xfe, 0xba, 0xbe]) {
        // Both macOS universal binaries and Java classes start with CAFEBABE;
        // a universal binary counts its architectures next, a class its version.
        match data.get(4..8) {
            Some(n) if u32::from_be_bytes([n[0], n[1], n[2], n[3]]) < 45 => {
                "a Mach-O universal file (a macOS binary)"
            }
            _ => "a Java class file",
        }
    } else if starts(b"MZ") {
        "a PE file (a Windows executable or DLL)"
    } else if starts(b"\0asm") {
        "a WebAssembly module"
    } else if starts(b"!<arch>\n") {
        "a static library archive (.a / .rlib), not an executable"
    } else if starts(b"PK\x03\x04") {
        "a zip archive (if it is a Lambda package, point goblet at the `bootstrap` inside)"
    } else if starts(&[0x1f, 0x8b]) {
        "a gzip-compressed file"
    } else if starts(b"#!") {
        "a script"
    } else if looks_like_text(data) {
        "a text file"
    } else {
        "not an executable (its first bytes match no known binary format)"
    };
    Sniffed::Other(what)
}

fn looks_like_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // The 4 KiB cut may split a character: accept an incomplete tail.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_formats() {
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01"), Sniffed::Elf);
        let other = |data: &[u8]| match sniff(data) {
            Sniffed::Other(what) => what,
            Sniffed::Elf => panic!("not ELF"),
        };
        assert_eq!(other(b""), "an empty file");
        assert!(other(&[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]).contains("Mach-O"));
        assert!(other(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]).contains("universal"));
        assert!(other(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 61]).contains("Java"));
        assert!(other(b"MZ\x90\0").contains("PE file"));
        assert!(other(b"\0asm\x01\0\0\0").contains("WebAssembly"));
        assert!(other(b"!<arch>\nfoo").contains("archive"));
        assert!(other(b"PK\x03\x04....").contains("zip"));
        assert!(other(b"#!/bin/sh\necho hi\n").contains("script"));
        assert_eq!(other("héllo\nwörld\t!\n".as_bytes()), "a text file");
        assert!(other(&[0x00, 0x9f, 0x13, 0xff, 0x01]).starts_with("not an executable"));
    }

    #[test]
    fn text_cut_inside_a_character_is_still_text() {
        let mut data = "a".repeat(4095).into_bytes();
        data.extend_from_slice("é and more".as_bytes());
        assert_eq!(sniff(&data), Sniffed::Other("a text file"));
    }
}
