//! The records `#[route]` and `#[goblet::main]`, `goblet::app!` place in the binary's
//! `goblet_routes` section, read back from this very test binary and decoded
//! with goblet-core's reader: what `goblet manifest` sees.

#![allow(dead_code)]

use goblet::prelude::*;

#[route("/users/{id}", methods = ["GET", "DELETE"], auth = "iam", api_key = true)]
async fn user(Path(id): Path<u64>) -> String {
    id.to_string()
}

#[route(
    "/files/{path+}",
    methods = ["PUT"],
    cors = true,
    content_types = ["application/octet-stream", "image/png"],
    name = "upload \"file\""
)]
fn upload(request: Request) -> String {
    request.path().to_owned()
}

mod nested {
    use goblet::prelude::*;

    #[route("/", methods = ["ANY"])]
    pub(crate) fn root() {}
}

// Declares the app; its `main` is not the test's (the harness has its own).
mod app {
    goblet::app!(app_name = "macro-records");
}

mod events {
    use goblet::prelude::*;

    #[on_s3_event(
        bucket = "uploads",
        prefix = "in/",
        suffix = ".png",
        name = "uploaded-file"
    )]
    pub(crate) async fn uploaded(_: S3Event) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
    target_os = "fuchsia"
))]
#[test]
fn the_section_decodes_into_the_manifest() {
    unsafe extern "C" {
        static __start_goblet_routes: u8;
        static __stop_goblet_routes: u8;
    }
    let start = &raw const __start_goblet_routes;
    let stop = &raw const __stop_goblet_routes;
    // SAFETY: the linker defines both symbols as the bounds of the section,
    // which holds only immutable byte-array records.
    let section = unsafe {
        std::slice::from_raw_parts(start, (stop as usize).saturating_sub(start as usize))
    };
    let manifest = goblet_core::record::decode_section(section).unwrap();
    assert_eq!(manifest.app_name, "macro-records");

    let routes: Vec<String> = manifest
        .routes
        .iter()
        .map(|r| {
            format!(
                "{} {} {} key={} cors={} {:?} {:?} {} {} {}",
                r.method,
                r.path,
                r.authorization_type,
                r.api_key_required,
                r.cors,
                r.content_types,
                r.path_parameters,
                r.name,
                r.handler,
                r.source
            )
        })
        .collect();
    let file = "framework-macros/tests/records.rs";
    assert_eq!(
        routes,
        [
            format!(
                "ANY / NONE key=false cors=false [\"application/json\"] [] root records::nested::root {file}:28"
            ),
            format!(
                "PUT /files/{{path+}} NONE key=false cors=true [\"application/octet-stream\", \"image/png\"] [\"path\"] upload \"file\" records::upload {file}:15"
            ),
            format!(
                "DELETE /users/{{id}} AWS_IAM key=true cors=false [\"application/json\"] [\"id\"] user records::user {file}:9"
            ),
            format!(
                "GET /users/{{id}} AWS_IAM key=true cors=false [\"application/json\"] [\"id\"] user records::user {file}:9"
            ),
        ]
    );

    let functions: Vec<String> = manifest
        .functions
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}",
                f.name,
                serde_json::to_string(&f.trigger).unwrap(),
                f.handler,
                f.source
            )
        })
        .collect();
    assert_eq!(
        functions,
        [format!(
            "uploaded-file {{\"type\":\"s3\",\"bucket\":\"uploads\",\"events\":[\"s3:ObjectCreated:*\"],\"prefix\":\"in/\",\"suffix\":\".png\"}} records::events::uploaded {file}:46"
        )]
    );
}
