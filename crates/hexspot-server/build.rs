//! Release builds carry `web/dist` inside the binary: rebuild when it changes (or
//! appears). Debug builds read it at run time and need nothing.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        let dist = std::path::Path::new("../../web/dist");
        // watching `web` notices `dist` appearing; once it exists, watch only it
        let watch = if dist.exists() {
            "../../web/dist"
        } else {
            "../../web"
        };
        println!("cargo:rerun-if-changed={watch}");
    }
}
