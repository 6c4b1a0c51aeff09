//! `goblet new`: a crate that builds as it is and whose binary carries its manifest.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(|d| workspace().join(d))
        .unwrap_or_else(|| workspace().join("target"))
}

/// A parent folder outside the goblet workspace, so the new crate is no member of it.
fn parent(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("goblet-new-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn goblet(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_goblet"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_new_app_builds_and_carries_its_manifest() {
    let parent = parent("build");
    let framework = workspace().join("framework");
    let output = goblet(&[
        "new",
        "hello-app",
        "--dir",
        parent.to_str().unwrap(),
        "--goblet-path",
        framework.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = parent.join("hello-app");
    for file in ["Cargo.toml", ".gitignore", "src/main.rs", "src/app.rs"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let cargo_toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let table: toml::Table = cargo_toml.parse().unwrap();
    assert_eq!(
        table["dependencies"]["goblet"]["path"].as_str(),
        Some(framework.canonicalize().unwrap().to_str().unwrap())
    );
    assert!(table["package"]["metadata"]["goblet"].is_table());
    assert!(table["profile"]["release"].get("panic").is_none());
    // The configuration section, as written, loads to the defaults.
    let config = goblet_project::config::load(&dir, "hello-app", &Default::default()).unwrap();
    assert_eq!(
        config,
        goblet_project::config::StageConfig::defaults("hello-app", "dev")
    );

    // Build it as it is, pinned to the workspace's lock file, sharing one
    // target directory with the other standalone apps of the tests.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let target = target_dir().join("goblet-tests").join("standalone-target");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let build = Command::new(cargo)
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .args(["build", "--quiet", "--color", "never"])
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let app = goblet_project::read_app_binary(target.join("debug").join("hello-app")).unwrap();
    assert_eq!(app.manifest.app_name, "hello-app");
    assert_eq!(app.manifest.routes.len(), 1);
    assert_eq!(app.manifest.routes[0].path, "/");
    assert_eq!(
        app.manifest.routes[0].authorization_type.as_str(),
        "AWS_IAM"
    );
    std::fs::remove_dir_all(&parent).unwrap();
}

#[test]
fn from_crates_io_by_default() {
    let parent = parent("registry");
    let dir = goblet_cli::new::create(&goblet_cli::new::NewOptions {
        name: "web_app".into(),
        parent: parent.clone(),
        goblet_path: None,
    })
    .unwrap();
    let table: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(table["package"]["name"].as_str(), Some("web_app"));
    assert_eq!(table["dependencies"]["goblet"].as_str(), Some("0.1"));
    std::fs::remove_dir_all(&parent).unwrap();
}

#[test]
fn refuses_an_existing_folder_and_bad_names() {
    let parent = parent("refuse");
    std::fs::create_dir_all(parent.join("taken")).unwrap();
    std::fs::write(parent.join("taken/keep.txt"), "mine").unwrap();
    let dir = parent.to_str().unwrap();
    let output = goblet(&["new", "taken", "--dir", dir]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("taken already exists"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(parent.join("taken/keep.txt")).unwrap(),
        "mine"
    );

    for (name, expected) in [
        ("1app", "starts with a letter"),
        ("my app", "not ` `"),
        ("fn", "Rust keyword"),
        ("goblet", "a crate the app depends on"),
    ] {
        let output = goblet(&["new", name, "--dir", dir]);
        assert_eq!(output.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("`{name}` cannot be the app's name")),
            "{stderr}"
        );
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!parent.join(name).exists());
    }
    let output = goblet(&["new", "ok", "--dir", dir, "--goblet-path", dir]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("no goblet crate there"));
    assert!(!parent.join("ok").exists());
    std::fs::remove_dir_all(&parent).unwrap();
}
