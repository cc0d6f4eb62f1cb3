//! A transform declaration compiled from text, then applied to a webhook body.
//!
//! Input: the declaration's text, a zero byte, the body (a body may hold zero bytes; the
//! declaration cannot, as JSON text never contains one).
//!
//! Properties: neither parsing nor applying panics; a declaration that compiles has a webhook path
//! starting with `/`; applying it twice to the same body gives the same result (the derived
//! `eventId` included); an accepted event is valid for its schema; errors are `Malformed`, `Invalid`
//! or `BudgetExceeded` (a declared JSONPath that needs more work than the body's budget).

#![no_main]

use libfuzzer_sys::fuzz_target;
use loop_contracts::inbound::{Declaration, InboundError, TransformContext};
use loop_contracts::validate_event;

fuzz_target!(|data: &[u8]| {
    let (text, body) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"{}"[..]),
    };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let Ok(declaration) = Declaration::parse(text) else { return };
    assert!(declaration.webhook_path().starts_with('/'));
    let _ = format!("{declaration:?}");

    let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse().unwrap();
    let context = if body.first().is_some_and(|b| b % 2 == 0) {
        TransformContext::for_brand(brand)
    } else {
        TransformContext::default()
    };
    let first = declaration.apply(body, &context);
    let second = declaration.apply(body, &context);
    assert_eq!(first, second, "applying a declaration is not deterministic");
    match first {
        Ok(event) => {
            assert_eq!(&event.event, declaration.event());
            assert!(validate_event(event.event.as_str(), &event.payload).is_ok());
            let _ = event.to_request_body();
        }
        Err(err) => {
            assert!(
                matches!(err, InboundError::Malformed(_) | InboundError::Invalid(_) | InboundError::BudgetExceeded { .. }),
                "{err:?}"
            );
            let _ = (err.http_status(), err.to_validation_error(), err.to_string());
        }
    }
});
