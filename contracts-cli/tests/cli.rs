//! The `loop-contracts` binary, run as a user runs it (docs/platform.md §6).

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The vendor webhook payloads these tests run the binary on: `tests/fixtures/webhooks/` of the
/// workspace, one level above this package. Every fixture path of this file is computed here.
fn fixture(path: &str) -> String {
    format!("{}/../tests/fixtures/webhooks/{path}", env!("CARGO_MANIFEST_DIR"))
}

const VALID_LEAD: &str = r#"{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","email":"user@example.com","source":"inbound_lead","attribution":{},"personId":null,"extra":1}"#;

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_loop-contracts"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command may exit before it reads its input (a usage error): the closed pipe is not a failure.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn validate_prints_the_validated_payload_and_exits_0() {
    let out = run(&["validate", "lead.captured.v1", "-"], VALID_LEAD);
    assert_eq!(out.status.code(), Some(0));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
    assert_eq!(line["ok"], true);
    assert_eq!(line["event"], "lead.captured.v1");
    assert!(line["data"].get("extra").is_none(), "unknown keys are stripped");
    assert_eq!(stdout(&out).lines().count(), 1, "one compact line");
}

#[test]
fn validate_prints_the_error_response_and_exits_1() {
    let bad = VALID_LEAD.replace("user@example.com", "user@localhost");
    let out = run(&["validate", "lead.captured.v1"], &bad);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "{\"ok\":false,\"error\":{\"code\":\"VALIDATION_ERROR\",\"message\":\"payload.email must be a valid email address\",\
         \"issues\":[{\"path\":\"email\",\"message\":\"Invalid email\",\"code\":\"invalid_string\"}]}}\n"
    );
}

#[test]
fn malformed_json_is_malformed_request_and_unknown_events_are_unknown_event() {
    let out = run(&["validate", "lead.captured.v1"], "{\"eventId\": ");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("\"code\":\"MALFORMED_REQUEST\""));
    let out = run(&["validate", "lead.captured.v7"], VALID_LEAD);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("\"code\":\"UNKNOWN_EVENT\""));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(run(&["validate"], "").status.code(), Some(2));
    assert_eq!(run(&["validate", "lead.captured.v1", "/no/such/file.json"], "").status.code(), Some(2));
    assert_eq!(run(&["frobnicate"], "").status.code(), Some(2));
}

#[test]
fn jsonl_prints_one_result_per_line_in_order() {
    let input = format!("{VALID_LEAD}\nnot json\n{}\n{VALID_LEAD}\r\n", r#"{"email": 5}"#);
    let out = run(&["validate", "lead.captured.v1", "--jsonl"], &input);
    assert_eq!(out.status.code(), Some(1), "exit 0 only if all are valid");
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[1]["error"]["code"], "MALFORMED_REQUEST");
    // The position is the input's line, not serde's (always line 1 of a one-line document).
    assert_eq!(lines[1]["error"]["message"], "malformed JSON at input line 2, column 2: expected ident");
    assert_eq!(lines[2]["error"]["issues"][3]["message"], "Expected string, received number");
    assert_eq!(lines[3]["ok"], true);

    // A blank line is a line: it gets its own result, so results stay aligned with the input.
    let out = run(
        &["validate", "lead.captured.v1", "--jsonl"],
        &format!(
            "{VALID_LEAD}

{VALID_LEAD}
"
        ),
    );
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[1]["error"]["message"], "malformed JSON: input line 2 is empty");
    assert_eq!((lines.len(), out.status.code()), (3, Some(1)));

    let out = run(&["validate", "lead.captured.v1", "--jsonl", "-"], &format!("{VALID_LEAD}\n{VALID_LEAD}\n"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn schema_prints_documents_and_lists_and_exports_the_catalog() {
    let out = run(&["schema", "lead.captured.v1"], "");
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["fields"]["source"]["values"][0], "vsl_form");

    let out = run(&["schema", "lead.captured.v1", "--json-schema"], "");
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["$schema"], "https://json-schema.org/draft/2020-12/schema");

    let out = run(&["schema", "--list"], "");
    let names: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert!(names.len() >= 8 && names.contains(&"order.completed.v1".to_owned()));
    // An event name beside --list would be ignored: it is a usage error instead.
    assert_eq!(run(&["schema", "--list", "lead.captured.v1"], "").status.code(), Some(2));

    let dir = std::env::temp_dir().join(format!("loop-contracts-export-{}", std::process::id()));
    let out = run(&["schema", "--export", dir.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), names.len() * 2);
    std::fs::remove_dir_all(&dir).unwrap();

    let out = run(&["schema", "nope.nope.v1"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("UNKNOWN_EVENT"));
}

#[test]
fn validate_against_a_discovery_document_file() {
    let dir = std::env::temp_dir().join(format!("loop-contracts-doc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = dir.join("review.json");
    std::fs::write(&doc, r#"{"name":"review.posted.v1","fields":{"rating":{"type":"integer","required":true}}}"#)
        .unwrap();
    let out = run(&["validate", "review.posted.v1", "--schema-doc", doc.to_str().unwrap()], r#"{"rating": 4.5}"#);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("Expected integer, received float"));
    std::fs::remove_dir_all(&dir).unwrap();
}

const BRAND: &str = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";

#[test]
fn transform_runs_a_built_in_transform_on_a_real_payload() {
    let out = run(
        &["transform", "shopify", "orders/create", &fixture("shopify/orders-create.json"), "--brand-id", BRAND],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
    assert_eq!(line["event"], "order.completed.v1");
    assert_eq!(line["payload"]["orderId"], "820982911946154508");
    assert!(stdout(&out).starts_with("{\"event\":\"order.completed.v1\",\"payload\":{"));

    let body = std::fs::read_to_string(fixture("calendly/invitee-created.json")).unwrap();
    let out = run(&["transform", "calendly", "invitee.created", "-", "--brand-id", BRAND], &body);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn transform_stops_a_costly_declared_path_at_its_budget() {
    let dir = std::env::temp_dir().join(format!("loop-contracts-costly-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 85 comparisons on each of 400,000 numbers: more work than an 800 KB body's budget allows.
    let costly: Vec<String> = (1..=85).map(|i| format!("@=={i}")).collect();
    let declaration = serde_json::json!({"name": "lead.captured.v1", "source": "custom", "webhookPath": "/x",
        "transform": {"occurredAt": "$.t", "email": "$.e", "source": {"const": "other"},
                      "attribution": {"const": {}}, "personId": format!("$.n[?{}]", costly.join(" || "))}});
    std::fs::write(dir.join("declaration.json"), declaration.to_string()).unwrap();
    let numbers = vec!["0"; 400_000].join(",");
    let body = format!(r#"{{"t": "2026-05-19T12:00:00Z", "e": "ana@example.com", "n": [{numbers}]}}"#);
    let out = run(
        &["transform", "--declaration", dir.join("declaration.json").to_str().unwrap(), "--brand-id", BRAND],
        &body,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let response: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
    let message = response["error"]["message"].as_str().unwrap();
    assert!(message.contains("of field `personId` takes more than its budget"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn transform_applies_a_declaration_and_reports_the_paths_that_failed() {
    let dir = std::env::temp_dir().join(format!("loop-contracts-decl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let declaration = dir.join("seed.json");
    std::fs::write(
        &declaration,
        r#"{"name": "order.completed.v1", "source": "shopify", "webhookPath": "/webhooks/shopify/order-completed",
            "transform": {"eventId": "$.id", "occurredAt": "$.created_at", "brandId": "$.note_attributes.brand_id", "email": "$.email"}}"#,
    )
    .unwrap();
    let out =
        run(&["transform", "--declaration", declaration.to_str().unwrap(), &fixture("shopify/orders-create.json")], "");
    assert_eq!(out.status.code(), Some(1));
    let response: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
    assert_eq!(response["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(response["error"]["issues"][2]["source"], "`$.note_attributes.brand_id` matched nothing");
    std::fs::write(
        dir.join("bad.json"),
        r#"{"name": "order.completed.v1", "source": "shopify", "webhookPath": "/x", "transform": {"email": "$["}}"#,
    )
    .unwrap();
    let out = run(&["transform", "--declaration", dir.join("bad.json").to_str().unwrap(), "-"], "{}");
    assert_eq!(out.status.code(), Some(2), "a bad declaration is a usage error");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn transform_verifies_signatures_only_when_given_a_secret() {
    let path = fixture("shopify/orders-create.json");
    // Computed with: openssl dgst -sha256 -hmac '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' -binary orders-create.json | openssl base64 -A
    let good = "X-Shopify-Hmac-Sha256: 8zMWGPkAUjqrPS6N/wZpZlqsDjLbemYmdXe2Z5oNBMU=";
    let secret = "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";
    let ok = run(
        &["transform", "shopify", "orders/create", &path, "--brand-id", BRAND, "--secret", secret, "--header", good],
        "",
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    let forged = run(
        &["transform", "shopify", "orders/create", &path, "--brand-id", BRAND, "--secret", "wrong", "--header", good],
        "",
    );
    assert_eq!(forged.status.code(), Some(1));
    assert!(stdout(&forged).contains("\"code\":\"UNAUTHORIZED\""));
    let unsupported =
        run(&["transform", "typeform", "form_response_partial", &fixture("typeform/form-response.json")], "");
    assert!(stdout(&unsupported).contains("unsupported topic"));
    assert_eq!(run(&["transform", "wix", "orders/create", &path], "").status.code(), Some(2));
}

#[test]
fn transform_derives_one_event_id_per_notification() {
    let path = fixture("shopify/orders-create.json");
    let event_id = |notification: &str| {
        let header = format!("X-Shopify-Event-Id: {notification}");
        let out = run(&["transform", "shopify", "orders/paid", &path, "--brand-id", BRAND, "--header", &header], "");
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let output: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
        output["payload"]["eventId"].as_str().unwrap().to_owned()
    };
    let first = event_id("98880550-7158-44d4-b7cd-2c97c8a091b5");
    assert_eq!(first, event_id("98880550-7158-44d4-b7cd-2c97c8a091b5"), "a redelivery is the same event");
    assert_ne!(first, event_id("5c1e0f2a-3b4d-4e6f-8a9b-0c1d2e3f4a5b"), "another notification is another event");
}

#[test]
fn transform_reads_the_signing_secret_from_the_environment() {
    // Arguments show in the process list; the environment does not.
    let path = fixture("shopify/orders-create.json");
    let good = "X-Shopify-Hmac-Sha256: 8zMWGPkAUjqrPS6N/wZpZlqsDjLbemYmdXe2Z5oNBMU=";
    let with_env = |secret: &str| {
        Command::new(env!("CARGO_BIN_EXE_loop-contracts"))
            .args(["transform", "shopify", "orders/create", &path, "--brand-id", BRAND, "--header", good])
            .env("LOOP_WEBHOOK_SECRET", secret)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    assert_eq!(with_env("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").status.code(), Some(0));
    let forged = with_env("shpss_wrong");
    assert_eq!(forged.status.code(), Some(1));
    assert!(!stdout(&forged).contains("shpss_wrong"), "the secret is never printed");
}

/// Kills the child when the test ends, passing or not.
#[cfg(feature = "sandbox")]
struct Running(std::process::Child);

#[cfg(feature = "sandbox")]
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 POST over a plain socket; returns the status code.
#[cfg(feature = "sandbox")]
fn post(addr: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("{response}"))
}

#[cfg(feature = "sandbox")]
#[test]
fn the_sandbox_reads_its_keys_and_signing_secrets_from_the_environment() {
    const LISTED: &str = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1";
    const ALSO_LISTED: &str = "lk_dev_0123456789abcdef01234567";
    const NOT_LISTED: &str = "lk_test_ffffffffffffffffffffffff";
    const SHOPIFY_SECRET: &str = "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";
    // A comma inside a secret stays in it: only `,<source>=` starts another pair.
    let secrets = format!("typeform=chosen,by a user,shopify={SHOPIFY_SECRET}");
    let (_sandbox, url, _output) = start_sandbox(
        &["--brand-id", BRAND],
        &[("LOOP_SANDBOX_KEYS", &format!("{LISTED},{ALSO_LISTED}")), ("LOOP_SANDBOX_SECRETS", &secrets)],
        Stdio::null(),
    );
    let addr = url.strip_prefix("http://").unwrap();

    let request = format!(r#"{{"event":"lead.captured.v1","payload":{VALID_LEAD}}}"#);
    let send = |key: &str| {
        let auth = format!("Bearer {key}");
        let headers = [("Authorization", auth.as_str()), ("Idempotency-Key", "550e8400-e29b-41d4-a716-446655440000")];
        post(addr, "/api/events", &headers, request.as_bytes())
    };
    assert_eq!(send(ALSO_LISTED), 200);
    assert_eq!(send(LISTED), 200);
    assert_eq!(send(NOT_LISTED), 401, "only the listed keys are accepted");

    let order = std::fs::read(fixture("shopify/orders-create.json")).unwrap();
    let signed = |signature: &str| {
        let headers = [("X-Shopify-Hmac-Sha256", signature), ("X-Shopify-Topic", "orders/create")];
        post(addr, "/webhooks/shopify", &headers, &order)
    };
    assert_eq!(signed("8zMWGPkAUjqrPS6N/wZpZlqsDjLbemYmdXe2Z5oNBMU="), 200, "signed with {SHOPIFY_SECRET}");
    assert_eq!(signed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 401, "a forged signature");

    // The Typeform secret is the whole of `chosen,by a user`.
    use loop_contracts::inbound::{SigningSecret, Source};
    let form = std::fs::read(fixture("typeform/form-response.json")).unwrap();
    let scheme = Source::Typeform.signature_scheme().unwrap();
    let sign = |secret: &str| scheme.sign(&SigningSecret::from_text(secret), &form, std::time::SystemTime::now());
    let (header, signature) = sign("chosen,by a user");
    assert_eq!(post(addr, "/webhooks/typeform", &[(header, &signature)], &form), 200);
    let (header, signature) = sign("chosen");
    assert_eq!(post(addr, "/webhooks/typeform", &[(header, &signature)], &form), 401);
    assert_eq!(post(addr, "/webhooks/typeform", &[], &form), 401, "unsigned, now that it has a secret");
}

/// Starts `loop-contracts sandbox` on a free port with these environment variables; returns it and
/// its address. Its stdout stays open (a closed pipe would stop it).
#[cfg(feature = "sandbox")]
fn start_sandbox(
    args: &[&str],
    env: &[(&str, &str)],
    stderr: Stdio,
) -> (Running, String, impl std::io::BufRead + use<>) {
    use std::io::BufRead;
    let child = Command::new(env!("CARGO_BIN_EXE_loop-contracts"))
        .args(["sandbox", "--addr", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut sandbox = Running(child);
    let mut output = std::io::BufReader::new(sandbox.0.stdout.take().unwrap());
    let mut line = String::new();
    output.read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("loop-contracts sandbox listening on ").unwrap_or_else(|| panic!("{line}"));
    (sandbox, url.to_owned(), output)
}

#[cfg(all(feature = "sandbox", feature = "client"))]
#[test]
fn rust_log_shows_the_clients_tracing_on_stderr_without_keys_secrets_or_emails() {
    const KEY: &str = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1";
    const DELIVERY_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SHOPIFY_SECRET: &str = "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";
    let dir = TempDir::new("rust-log");
    let sandbox_log = dir.0.join("sandbox.log");
    let (sandbox, url, _output) = start_sandbox(
        &["--brand-id", BRAND],
        &[
            ("RUST_LOG", "trace"),
            ("LOOP_SANDBOX_KEYS", KEY),
            ("LOOP_SANDBOX_SECRETS", &format!("shopify={SHOPIFY_SECRET}")),
            ("LOOP_DELIVERY_SECRET", DELIVERY_SECRET),
        ],
        Stdio::from(std::fs::File::create(&sandbox_log).unwrap()),
    );
    let send = |rust_log: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_loop-contracts"));
        command
            .args(["send", "lead.captured.v1", "-"])
            .env("LOOP_API_KEY", KEY)
            .env("LOOP_BASE_URL", &url)
            .env("LOOP_DELIVERY_SECRET", DELIVERY_SECRET)
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(rust_log) = rust_log {
            command.env("RUST_LOG", rust_log);
        }
        let mut child = command.spawn().unwrap();
        child.stdin.take().unwrap().write_all(VALID_LEAD.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };

    let out = send(Some("trace"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = stderr(&out);
    let send_span = "loop_contracts.send{event=\"lead.captured.v1\" event_id=550e8400-e29b-41d4-a716-446655440000}";
    assert!(log.lines().count() > 1 && log.lines().all(|l| l.contains(send_span)), "{log}");
    assert!(log.contains("attempt answered attempt=1 status=200"), "{log}");
    // A filter narrows it, and without RUST_LOG stderr is as quiet as ever.
    let narrow = stderr(&send(Some("loop_contracts=debug")));
    assert_eq!(narrow.lines().count(), 1, "{narrow}");
    assert!(narrow.contains("attempt answered"), "{narrow}");
    let quiet = send(None);
    assert_eq!((quiet.status.code(), stderr(&quiet).as_str()), (Some(0), ""));

    drop(sandbox);
    let sandbox_log = std::fs::read_to_string(&sandbox_log).unwrap();
    for (name, text) in [("send", &log), ("sandbox", &sandbox_log)] {
        for secret in [KEY, &KEY[8..], DELIVERY_SECRET, &DELIVERY_SECRET[6..], SHOPIFY_SECRET, "user@example.com"] {
            assert!(!text.contains(secret), "{secret} in the {name} log:\n{text}");
        }
    }
}

#[test]
fn help_is_written_for_users() {
    let out = run(&["--help"], "");
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    assert!(help.starts_with("Event contracts of the Loop comms platform"), "{help}");
    for internal in ["```", "[`run`]", "try_parse_from"] {
        assert!(!help.contains(internal), "rustdoc in --help: {help}");
    }
    for command in ["validate", "schema", "transform", "verify"] {
        assert!(help.contains(command), "{command}: {help}");
    }
    // The commands of the optional features are offered only when compiled in.
    let listed = |command: &str| help.lines().any(|line| line.trim_start().starts_with(&format!("{command} ")));
    assert_eq!(listed("sandbox"), cfg!(feature = "sandbox"), "{help}");
    assert_eq!(listed("send"), cfg!(feature = "client"), "{help}");
    assert_eq!(listed("outbox"), cfg!(any(feature = "outbox-sqlite", feature = "outbox-postgres")), "{help}");
}

#[test]
fn commands_left_out_of_the_build_say_which_feature_brings_them() {
    let outbox = cfg!(any(feature = "outbox-sqlite", feature = "outbox-postgres"));
    for (command, feature, built) in [
        ("sandbox", "sandbox", cfg!(feature = "sandbox")),
        ("send", "client", cfg!(feature = "client")),
        ("outbox", "outbox-sqlite,outbox-postgres", outbox),
    ] {
        if built {
            continue;
        }
        for args in [vec![command], vec![command, "--help"], vec![command, "lead.captured.v1", "--addr", "x"]] {
            let out = run(&args, "");
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(out.stdout.is_empty(), "{args:?}");
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(
                err,
                format!(
                    "loop-contracts: this build has no `{command}` command: install with `--features {feature}` \
                     (`cargo install loop-contracts-cli --features {feature}`)\n"
                ),
                "{args:?}"
            );
        }
    }
    // The outbox without the client: its relay alone is left out.
    if outbox && !cfg!(feature = "client") {
        let out = run(&["outbox", "relay", "--db", "sqlite:outbox.db"], "");
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "loop-contracts: this build has no `outbox relay` command: install with `--features client` \
             (`cargo install loop-contracts-cli --features client`)\n"
        );
    }
    // Unknown commands are still clap's usage error.
    let out = run(&["sandboxes"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand"));
}

#[test]
fn file_errors_name_the_path() {
    let dir = std::env::temp_dir().join(format!("loop-contracts-cli-paths-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shown = dir.display().to_string();
    let out = run(&["validate", "lead.captured.v1", &shown], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains(&format!("{shown}: is a directory")), "{err}");

    // Exporting into a path that is a file names it.
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = run(&["schema", "--export", &file.display().to_string()], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains(&file.display().to_string()), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn transform_without_a_brand_says_which_option_gives_one() {
    let out = run(&["transform", "shopify", "orders/create", &fixture("shopify/orders-create.json")], "");
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
    assert_eq!(line["error"]["issues"][0]["path"], "brandId", "the platform's issue, unchanged");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.contains("--brand-id UUID"), "{err}");
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory under the system's temporary one, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("loop-contracts-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn what_transform_prints_validates_without_naming_the_event() {
    let transformed = run(
        &["transform", "shopify", "orders/create", &fixture("shopify/orders-create.json"), "--brand-id", BRAND],
        "",
    );
    assert_eq!(transformed.status.code(), Some(0), "{}", stderr(&transformed));
    let envelope = stdout(&transformed);

    // `transform ... | validate`, and the same with the event named.
    for args in [vec!["validate"], vec!["validate", "-"], vec!["validate", "order.completed.v1"]] {
        let out = run(&args, &envelope);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let line: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
        assert_eq!(line["event"], "order.completed.v1");
        assert_eq!(line["data"]["orderId"], "820982911946154508");
    }

    // Told two different events: a usage error, nothing validated.
    let out = run(&["validate", "lead.captured.v1"], &envelope);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert_eq!(
        stderr(&out),
        "loop-contracts: standard input: the envelope's event is order.completed.v1, not lead.captured.v1 \
         (leave EVENT out to take the envelope's)\n"
    );

    // Told none: a plain payload needs EVENT; a failed transform's error response is named as such.
    let out = run(&["validate"], VALID_LEAD);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("standard input: no event name: give EVENT, or an envelope"), "{}", stderr(&out));
    let failed = run(&["transform", "shopify", "orders/create", &fixture("shopify/orders-create.json")], "");
    let out = run(&["validate"], &stdout(&failed));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "loop-contracts: standard input: the input is an error response, not an event: payload.brandId is required\n"
    );
    let out = run(&["validate"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("empty, and no EVENT was given"), "{}", stderr(&out));

    // An envelope that only looks like one is a payload: exactly `event` (string) and `payload` (object).
    let out = run(&["validate", "lead.captured.v1"], r#"{"event":"lead.captured.v1","payload":{},"extra":1}"#);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(r#""path":"eventId""#));
}

#[test]
fn jsonl_lines_may_be_envelopes_or_payloads() {
    let lead = format!(r#"{{"event":"lead.captured.v1","payload":{VALID_LEAD}}}"#);
    let unknown = r#"{"event":"lead.captured.v9","payload":{}}"#;
    let bad_order = r#"{"event":"order.completed.v1","payload":{"orderId":1}}"#;

    // With EVENT, payloads and envelopes of that event mix.
    let out = run(&["validate", "lead.captured.v1", "--jsonl"], &format!("{lead}\n{VALID_LEAD}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);

    // Without it, every line is an envelope, each of its own event.
    let out = run(&["validate", "--jsonl"], &format!("{lead}\n{unknown}\n{bad_order}\nnot json\n"));
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        (&lines[0]["ok"], &lines[0]["event"]),
        (&serde_json::json!(true), &serde_json::json!("lead.captured.v1"))
    );
    assert_eq!(lines[1]["error"]["code"], "UNKNOWN_EVENT");
    assert_eq!(lines[2]["error"]["issues"][0]["path"], "eventId");
    assert_eq!(lines[3]["error"]["code"], "MALFORMED_REQUEST");

    // A plain payload among them stops the run at its line, after the lines before it.
    let out = run(&["validate", "--jsonl"], &format!("{lead}\n{VALID_LEAD}\n{lead}\n"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out).lines().count(), 1);
    assert!(stderr(&out).starts_with("loop-contracts: standard input line 2: no event name"), "{}", stderr(&out));
}

/// A valid `form.submitted.v1` with `SCORE` where its `score` (a `number`) goes.
const FORM: &str = r#"{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","provider":"typeform","formId":"f1","responseId":"r1","answers":[{"fieldId":"a","fieldType":"rating","number":ANSWER}],"hidden":{"h":1e999},"score":SCORE,"extra":1e999}"#;

#[test]
fn numbers_beyond_a_double_get_the_platforms_verdict_and_print_as_null() {
    let form = |answer: &str, score: &str| FORM.replace("ANSWER", answer).replace("SCORE", score);
    // JSON.parse reads 1e999 as Infinity, Zod accepts it in a `number` field, and what the
    // platform forwards is JSON.stringify's rendering of it: null.
    let out = run(&["validate", "form.submitted.v1"], &form("-1e999", "123e400"));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let line: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
    assert_eq!(line["data"]["score"], serde_json::Value::Null);
    assert_eq!(line["data"]["answers"][0]["number"], serde_json::Value::Null);
    assert_eq!(line["data"]["hidden"], serde_json::json!({"h": null}));
    assert!(line["data"].get("extra").is_none(), "unknown keys are stripped, infinities or not");

    // Elsewhere it is a number that Zod refuses as any other.
    let order = r#"{"event":"order.completed.v1","payload":{"lineItems":[{"title":1e999,"quantity":-1e999}]}}"#;
    let out = run(
        &["validate", "--jsonl"],
        &format!("{{\"event\":\"form.submitted.v1\",\"payload\":{}}}\n{order}\n", form("1", "1e999")),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["data"]["score"], serde_json::Value::Null);
    let issues: Vec<(&str, &str)> = lines[1]["error"]["issues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["path"].as_str().unwrap().starts_with("lineItems"))
        .map(|i| (i["path"].as_str().unwrap(), i["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        issues,
        [
            ("lineItems.0.title", "Expected string, received number"),
            ("lineItems.0.quantity", "Expected integer, received float")
        ]
    );

    // Text that is not JSON stays malformed, its error at its own place.
    let out = run(&["validate", "form.submitted.v1", "--jsonl"], &format!("{}\n[1e999, 1e999 1]\n", form("1", "2")));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[1]["error"]["message"], "malformed JSON at input line 2, column 15: expected `,` or `]`");
}

#[test]
fn validate_takes_several_files_with_one_result_line_each() {
    let dir = TempDir::new("files");
    let good = dir.write("good.json", VALID_LEAD);
    let bad = dir.write("bad.json", &VALID_LEAD.replace("user@example.com", "nope"));
    let envelope = dir.write("envelope.json", &format!(r#"{{"event":"lead.captured.v1","payload":{VALID_LEAD}}}"#));

    let out = run(&["validate", "lead.captured.v1", &good, &envelope, &good], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 3);

    // In order, `-` standing for standard input where it is given; exit 0 only if all are valid.
    let out = run(&["validate", "lead.captured.v1", &good, "-", &bad], "{");
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[1]["error"]["code"], "MALFORMED_REQUEST");
    assert_eq!(lines[2]["error"]["issues"][0]["path"], "email");

    // Envelopes alone need no EVENT; the first file is then the first argument.
    let out = run(&["validate", &envelope, &envelope], "");
    assert_eq!((out.status.code(), stdout(&out).lines().count()), (Some(0), 2), "{}", stderr(&out));

    // --jsonl reads every file line by line.
    let lines = dir.write("lines.jsonl", &format!("{VALID_LEAD}\n{VALID_LEAD}\n"));
    let out = run(&["validate", "lead.captured.v1", "--jsonl", &lines, &good], "");
    assert_eq!((out.status.code(), stdout(&out).lines().count()), (Some(0), 3), "{}", stderr(&out));

    // A file that cannot be read stops the run (exit 2) after the lines of those before it.
    let missing = dir.0.join("missing.json").display().to_string();
    let out = run(&["validate", "lead.captured.v1", &good, &missing, &good], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out).lines().count(), 1);
    assert!(stderr(&out).contains(&missing), "{}", stderr(&out));
    let out = run(&["validate", "lead.captured.v1", "-", &good, "-"], VALID_LEAD);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("standard input (`-`) can be read only once"), "{}", stderr(&out));
}

#[test]
fn a_misspelt_event_name_is_not_silently_read_as_a_file() {
    let out = run(&["validate", "lead.captured"], VALID_LEAD);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("loop-contracts: lead.captured: "), "{err}");
    assert!(err.contains("nor is it an event name: expected three dot-separated parts"), "{err}");
}

#[test]
fn validate_with_a_schema_doc_of_another_event_says_which_it_defines() {
    let dir = TempDir::new("schema-doc");
    let doc = dir
        .write("review.json", r#"{"name":"review.posted.v1","fields":{"rating":{"type":"integer","required":true}}}"#);
    let out = run(&["validate", "lead.captured.v1", "--schema-doc", &doc], VALID_LEAD);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("loop-contracts: {doc}: the document defines review.posted.v1, not lead.captured.v1\n")
    );
    assert!(stdout(&out).is_empty());

    // With --schema-doc, validate needs no EVENT; an envelope must be of the document's event.
    let out = run(&["validate", "--schema-doc", &doc], r#"{"rating": 4}"#);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "{\"ok\":true,\"event\":\"review.posted.v1\",\"data\":{\"rating\":4}}\n");
    let out = run(&["validate", "--schema-doc", &doc], r#"{"event":"review.posted.v2","payload":{"rating": 4}}"#);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the envelope's event is review.posted.v2, not review.posted.v1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn schema_doc_documents_are_printed_and_must_define_the_event_asked_for() {
    let dir = TempDir::new("schema-doc");
    let doc = dir
        .write("review.json", r#"{"name":"review.posted.v1","fields":{"rating":{"type":"integer","required":true}}}"#);

    let out = run(&["schema", "--schema-doc", &doc], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(printed["name"], "review.posted.v1");
    assert_eq!(printed["fields"]["rating"]["type"], "integer");
    let out = run(&["schema", "review.posted.v1", "--schema-doc", &doc, "--json-schema"], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(printed["title"], "review.posted.v1");
    assert_eq!(printed["required"], serde_json::json!(["rating"]));
    assert_eq!(run(&["schema", "--schema-doc", &doc, "--list"], "").status.code(), Some(2));
    let junk = dir.write("junk.json", r#"{"name":"review.posted.v1"}"#);
    let out = run(&["schema", "--schema-doc", &junk], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with(&format!("loop-contracts: {junk}: ")), "{}", stderr(&out));

    // The event asked for is not the one the document defines: a usage error saying so, as validate's.
    let out = run(&["schema", "lead.captured.v1", "--schema-doc", &doc], "");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("loop-contracts: {doc}: the document defines review.posted.v1, not lead.captured.v1\n")
    );
    assert!(stdout(&out).is_empty());
}

mod verify {
    use super::*;
    use loop_contracts::delivery::{Signer, WebhookId, WebhookSecret};

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const BODY: &str = r#"{"type":"message.bounced.v1","timestamp":"2026-05-19T12:00:00Z","data":{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","messageId":"9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d","channel":"email","recipient":"ana@example.com","bounceType":"hard"}}"#;

    fn unix_now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    /// `--header` options for `body` signed with `secret` at `timestamp`.
    fn signed(secret: &str, timestamp: u64, body: &str) -> Vec<String> {
        let signer = Signer::new(WebhookSecret::parse(secret).unwrap());
        let headers =
            signer.sign(&WebhookId::new("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W").unwrap(), timestamp, body.as_bytes());
        headers.iter().flat_map(|(name, value)| ["--header".to_owned(), format!("{name}: {value}")]).collect()
    }

    /// Runs `verify` with the secret (if any) in the environment; checks the secret is not in the output.
    fn verify(secret: Option<&str>, args: &[String], stdin: &str) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_loop-contracts"));
        command.arg("verify").args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        match secret {
            Some(secret) => command.env("LOOP_DELIVERY_SECRET", secret),
            None => command.env_remove("LOOP_DELIVERY_SECRET"),
        };
        let mut child = command.spawn().unwrap();
        match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            written => written.unwrap(),
        }
        let out = child.wait_with_output().unwrap();
        let all = format!("{}{}", stdout(&out), stderr(&out));
        for secret in [SECRET, OTHER_SECRET] {
            let key = secret.strip_prefix("whsec_").unwrap();
            assert!(!all.contains(key), "the secret is never printed: {all}");
        }
        out
    }

    fn refusal(out: &Output) -> (String, String) {
        assert_eq!(out.status.code(), Some(1), "{}{}", stdout(out), stderr(out));
        assert_eq!(stdout(out).lines().count(), 1);
        let line: serde_json::Value = serde_json::from_str(stdout(out).trim_end()).unwrap();
        assert_eq!(line["ok"], false);
        (line["error"]["code"].as_str().unwrap().to_owned(), line["error"]["message"].as_str().unwrap().to_owned())
    }

    #[test]
    fn a_signed_webhook_verifies_into_its_typed_event() {
        let now = unix_now();
        let out = verify(Some(SECRET), &signed(SECRET, now, BODY), BODY);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out).lines().count(), 1);
        let line: serde_json::Value = serde_json::from_str(stdout(&out).trim_end()).unwrap();
        assert_eq!(line["ok"], true);
        assert_eq!(line["event"], "message.bounced.v1");
        assert_eq!(line["webhookId"], "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
        assert_eq!(line["timestamp"], "2026-05-19T12:00:00Z");
        assert_eq!(line["data"]["bounceType"], "hard");
        assert_eq!(line["data"]["recipient"], "ana@example.com");
        assert!(
            stdout(&out).starts_with(r#"{"ok":true,"event":"message.bounced.v1","webhookId":"#),
            "{}",
            stdout(&out)
        );

        // From a file too, the headers in any case.
        let dir = TempDir::new("verify");
        let file = dir.write("body.json", BODY);
        let mut args = signed(SECRET, now, BODY);
        args[1] = args[1].replacen("webhook-id", "Webhook-Id", 1);
        args.push(file);
        let out = verify(Some(SECRET), &args, "");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    #[test]
    fn forged_signatures_and_other_secrets_are_refused() {
        let now = unix_now();
        // Signed for another body: the signature does not match this one.
        let forged = signed(SECRET, now, &BODY.replace("hard", "soft"));
        let (code, message) = refusal(&verify(Some(SECRET), &forged, BODY));
        assert_eq!(code, "UNAUTHORIZED");
        assert_eq!(message, "no `v1` signature matches this request under a known secret (1 entry checked)");
        // Signed with another secret.
        let (code, message) = refusal(&verify(Some(SECRET), &signed(OTHER_SECRET, now, BODY), BODY));
        assert_eq!((code.as_str(), message.starts_with("no `v1` signature matches")), ("UNAUTHORIZED", true));
        // A byte more (a newline `echo` would add) is another body.
        let (_, message) = refusal(&verify(Some(SECRET), &signed(SECRET, now, BODY), &format!("{BODY}\n")));
        assert!(message.starts_with("no `v1` signature matches"), "{message}");
    }

    #[test]
    fn stale_timestamps_are_refused_unless_checked_at_their_time() {
        let then = unix_now() - 3_600;
        let args = signed(SECRET, then, BODY);
        let out = verify(Some(SECRET), &args, BODY);
        let (code, message) = refusal(&out);
        assert_eq!(code, "UNAUTHORIZED");
        assert!(
            message.starts_with("webhook timestamp is 3") && message.ends_with("s old, beyond the tolerance of 300 s"),
            "{message}"
        );
        assert!(stderr(&out).contains("--now UNIX_SECONDS"), "{}", stderr(&out));

        let at_arrival = [args.clone(), vec!["--now".into(), (then + 2).to_string()]].concat();
        assert_eq!(verify(Some(SECRET), &at_arrival, BODY).status.code(), Some(0));
        let tolerant = [args.clone(), vec!["--tolerance".into(), "7200".into()]].concat();
        assert_eq!(verify(Some(SECRET), &tolerant, BODY).status.code(), Some(0));
        let far = [args.clone(), vec!["--now".into(), u64::MAX.to_string()]].concat();
        assert_eq!(verify(Some(SECRET), &far, BODY).status.code(), Some(2), "a usage error, not a panic");
        let strict = [signed(SECRET, unix_now() - 30, BODY), vec!["--tolerance".into(), "10".into()]].concat();
        assert!(refusal(&verify(Some(SECRET), &strict, BODY)).1.ends_with("beyond the tolerance of 10 s"));
    }

    #[test]
    fn missing_headers_and_malformed_bodies_say_which_check_failed() {
        let now = unix_now();
        let all = signed(SECRET, now, BODY);
        for (missing, code) in [
            ("webhook-id", "MALFORMED_REQUEST"),
            ("webhook-timestamp", "MALFORMED_REQUEST"),
            ("webhook-signature", "UNAUTHORIZED"),
        ] {
            let args: Vec<String> =
                all.chunks(2).filter(|pair| !pair[1].starts_with(missing)).flatten().cloned().collect();
            assert_eq!(args.len(), 4);
            let (got, message) = refusal(&verify(Some(SECRET), &args, BODY));
            assert_eq!((got.as_str(), message), (code, format!("missing header `{missing}`")));
        }
        // Signed, but not JSON; JSON, but not an envelope.
        let (code, message) = refusal(&verify(Some(SECRET), &signed(SECRET, now, "not json"), "not json"));
        assert_eq!(code, "MALFORMED_REQUEST");
        assert!(message.starts_with("the body is not JSON"), "{message}");
        let (_, message) = refusal(&verify(Some(SECRET), &signed(SECRET, now, "{}"), "{}"));
        assert!(message.starts_with("the body is not a webhook envelope"), "{message}");
        // A header option that is not `Name: value` is a usage error.
        let out = verify(Some(SECRET), &["--header".into(), "webhook-id".into()], BODY);
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn the_secret_comes_from_the_environment_only() {
        let args = signed(SECRET, unix_now(), BODY);
        let out = verify(None, &args, BODY);
        assert_eq!(out.status.code(), Some(2));
        assert!(stdout(&out).is_empty());
        assert!(stderr(&out).contains("set LOOP_DELIVERY_SECRET to the endpoint's signing secret"), "{}", stderr(&out));
        // Not an option: a secret on the command line would show in the process list.
        let with_option = [args.clone(), vec!["--secret".into(), SECRET.into()]].concat();
        let out = verify(Some(SECRET), &with_option, BODY);
        assert_eq!(out.status.code(), Some(2));
        // A malformed secret is named, never printed.
        let out = verify(Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!"), &args, BODY);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains("LOOP_DELIVERY_SECRET: the webhook secret is not") && !err.contains("MfKQ9r8G"), "{err}");
    }
}

/// An order whose keys are written back to front, nested line items included.
const REVERSED_ORDER: &str = r#"{"attributes":{"b":1,"a":2},"lineItems":[{"price":"4.95","quantity":2,"title":"Tea","extra":0}],"totalPrice":"9.90","orderId":"1001","platform":"shopify","email":"ana@example.com","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","occurredAt":"2026-05-19T12:00:00Z","eventId":"550e8400-e29b-41d4-a716-446655440000"}"#;

/// The same order as the platform's (Zod's) output writes it: schema order at every depth, the
/// unknown key stripped, the record's keys in the order a `serde_json::Map` keeps.
const ORDER_DATA: &str = r#"{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","email":"ana@example.com","platform":"shopify","orderId":"1001","totalPrice":"9.90","lineItems":[{"title":"Tea","quantity":2,"price":"4.95"}],"attributes":{"a":2,"b":1}}"#;

#[test]
fn validate_writes_the_data_in_the_schemas_field_order() {
    let expected = format!(r#"{{"ok":true,"event":"order.completed.v1","data":{ORDER_DATA}}}"#);
    let out = run(&["validate", "order.completed.v1"], REVERSED_ORDER);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), format!("{expected}\n"));
    let out = run(&["validate", "order.completed.v1", "--jsonl"], &format!("{REVERSED_ORDER}\n{REVERSED_ORDER}\n"));
    assert_eq!(stdout(&out), format!("{expected}\n{expected}\n"));
    // An envelope names the event; the data comes out the same.
    let envelope = format!(r#"{{"payload":{REVERSED_ORDER},"event":"order.completed.v1"}}"#);
    let out = run(&["validate", "--jsonl"], &format!("{envelope}\n"));
    assert_eq!(stdout(&out), format!("{expected}\n"));
}

#[test]
fn transform_prints_the_payload_in_the_schemas_field_order() {
    let out = run(
        &["transform", "shopify", "orders/create", &fixture("shopify/orders-create.json"), "--brand-id", BRAND],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    let line: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    let schema = loop_contracts::catalog().get("order.completed.v1").unwrap();
    let expected = format!(r#"{{"event":"order.completed.v1","payload":{}}}"#, schema.ordered(&line["payload"]));
    assert_eq!(text, format!("{expected}\n"));
    // Spelled out for the envelope, the order and a line item.
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("no {key} in {text}"));
    let keys = ["eventId", "occurredAt", "brandId", "email", "platform", "orderId", "lineItems", "title", "quantity"];
    assert!(keys.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
}
