//! `loop-contracts transform` never prints a signing secret (docs/security-review.md).

use suite::secrets::*;

#[test]
fn the_command_line_tool_never_prints_a_signing_secret() {
    let body = std::fs::read(suite::fixture("webhooks/shopify/orders-create.json")).unwrap();
    let input = tempfile_path("security-review-order.json", &body);
    for signature in ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not base64", ""] {
        let header = format!("X-Shopify-Hmac-Sha256: {signature}");
        let argv = [
            "loop-contracts",
            "transform",
            "shopify",
            "orders/create",
            input.to_str().unwrap(),
            "--secret",
            SECRET,
            "--header",
            &header,
        ];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = loop_contracts_cli::run(argv, &mut &b""[..], &mut out, &mut err);
        let shown = format!("{} {}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
        assert_eq!(code, loop_contracts_cli::EXIT_REJECTED, "{shown}");
        assert!(shown.contains("UNAUTHORIZED"), "{shown}");
        assert_hidden("transform output", &shown);
    }
}

/// Writes `bytes` to a file under the target directory's temporary folder.
fn tempfile_path(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}
