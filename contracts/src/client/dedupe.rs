//! Idempotency in this process: sends of one eventId share one flight (one request for all), and
//! accepted eventIds are answered from a bounded cache; another payload under a known eventId is a
//! conflict.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use uuid::Uuid;

use super::{Accepted, RateLimit, ResponseBody, SendError};
use crate::sync::lock;

/// One send under way, shared by concurrent sends of its eventId.
type Flight = Arc<tokio::sync::OnceCell<Result<Accepted, SendError>>>;

/// Takes a flight out of the map when the send that holds it is dropped (cancelled by its caller)
/// before the flight has a result and no other send waits on it; otherwise it would stay there for
/// good. A waiting send takes an abandoned flight over (`OnceCell` hands the initialization on).
struct ForgetIfAbandoned<'a> {
    state: &'a Mutex<SendState>,
    event_id: Uuid,
    flight: &'a Flight,
}

impl Drop for ForgetIfAbandoned<'_> {
    fn drop(&mut self) {
        if self.flight.initialized() {
            return;
        }
        let mut state = lock(self.state);
        let Some(in_flight) = state.flights.get_mut(&self.event_id) else { return };
        if Arc::ptr_eq(&in_flight.flight, self.flight) {
            // Counted under the lock, so sends dropped at the same moment see each other leave.
            in_flight.waiting -= 1;
            if in_flight.waiting == 0 {
                state.flights.remove(&self.event_id);
            }
        }
    }
}

/// A send under way as the map holds it.
struct InFlight {
    fingerprint: [u8; 32],
    flight: Flight,
    /// The sends waiting on it (only those that drop out before it has a result leave the count).
    waiting: usize,
}

/// What the sends of one client share.
struct SendState {
    flights: HashMap<Uuid, InFlight>,
    accepted: AcceptedCache,
}

/// An accepted event as the cache keeps it: the response body is the acceptance's own shared
/// buffer, so that remembering an acceptance copies nothing.
#[derive(Clone)]
struct Remembered {
    fingerprint: [u8; 32],
    event: String,
    body: Bytes,
    rate_limit: Option<RateLimit>,
    replayed: bool,
    attempts: u32,
}

impl Remembered {
    fn answer(&self, event_id: Uuid) -> Accepted {
        Accepted {
            event: self.event.clone(),
            event_id,
            body: ResponseBody::from(self.body.clone()),
            rate_limit: self.rate_limit,
            replayed: self.replayed,
            attempts: self.attempts,
            cached: true,
        }
    }
}

/// The accepted eventIds of this process, oldest dropped first.
struct AcceptedCache {
    capacity: usize,
    order: VecDeque<Uuid>,
    entries: HashMap<Uuid, Remembered>,
}

impl AcceptedCache {
    fn new(capacity: usize) -> Self {
        AcceptedCache { capacity, order: VecDeque::new(), entries: HashMap::new() }
    }

    fn insert(&mut self, fingerprint: [u8; 32], accepted: &Accepted) {
        if self.capacity == 0 || self.entries.contains_key(&accepted.event_id) {
            return;
        }
        while self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
        self.order.push_back(accepted.event_id);
        let remembered = Remembered {
            fingerprint,
            event: accepted.event.clone(),
            body: accepted.body.raw(),
            rate_limit: accepted.rate_limit,
            replayed: accepted.replayed,
            attempts: accepted.attempts,
        };
        self.entries.insert(accepted.event_id, remembered);
    }
}

/// Idempotency in this process, shared by a client's clones.
pub(super) struct Dedupe {
    /// The sends under way and the accepted eventIds, under one lock taken twice per send.
    state: Mutex<SendState>,
}

impl Dedupe {
    /// No send under way; up to `accepted_cache` accepted eventIds remembered (0: none).
    pub(super) fn new(accepted_cache: usize) -> Self {
        Dedupe {
            state: Mutex::new(SendState { flights: HashMap::new(), accepted: AcceptedCache::new(accepted_cache) }),
        }
    }

    /// Answers one send of `event_id` whose request body hashes to `print`: from the accepted
    /// cache, by joining the flight of that eventId under way, or by running `deliver` as the
    /// flight of its own. Another `print` under a known eventId is [`SendError::Conflict`].
    pub(super) async fn once<F, Fut>(&self, event_id: Uuid, print: [u8; 32], deliver: F) -> Result<Accepted, SendError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Accepted, SendError>>,
    {
        loop {
            let mut flight = {
                let mut state = lock(&self.state);
                if let Some(remembered) = state.accepted.entries.get(&event_id) {
                    if remembered.fingerprint != print {
                        return Err(SendError::Conflict { event_id });
                    }
                    let remembered = remembered.clone();
                    drop(state);
                    return Ok(remembered.answer(event_id));
                }
                let in_flight = state.flights.entry(event_id).or_insert_with(|| InFlight {
                    fingerprint: print,
                    flight: Flight::default(),
                    waiting: 0,
                });
                if in_flight.fingerprint != print {
                    return Err(SendError::Conflict { event_id });
                }
                in_flight.waiting += 1;
                in_flight.flight.clone()
            };
            let outcome = {
                let _abandoned = ForgetIfAbandoned { state: &self.state, event_id, flight: &flight };
                flight.get_or_init(&deliver).await
            };
            let alone = {
                let mut state = lock(&self.state);
                if let Ok(accepted) = outcome {
                    state.accepted.insert(print, accepted);
                }
                if state.flights.get(&event_id).is_some_and(|f| Arc::ptr_eq(&f.flight, &flight)) {
                    state.flights.remove(&event_id);
                }
                // Out of the map, the flight gains no new sharer: when none holds it now, its
                // result is this send's alone and is taken without a copy.
                Arc::strong_count(&flight) == 1
            };
            let result = match Arc::get_mut(&mut flight).filter(|_| alone) {
                Some(cell) => cell.take(),
                None => flight.get().cloned(),
            };
            // `get_or_init` has returned, so the flight holds a result; were it ever empty, the
            // send would start over, as a sharer of a cancelled flight does.
            if let Some(result) = result {
                return result;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Client;
    use crate::platform::api_key::ApiKey;
    use serde_json::json;
    use std::time::Duration;

    /// A send cancelled by its caller leaves nothing behind in the in-flight map.
    #[tokio::test]
    async fn a_cancelled_send_forgets_its_flight() {
        // A server that accepts connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let key: ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse().unwrap();
        let client = Client::builder().key(key).base_url(url).build().unwrap();
        let lead = json!({
            "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
            "source": "other", "attribution": {},
        });
        let flights = || lock(&client.inner.dedupe.state).flights.len();

        let send = client.send_json("lead.captured.v1", &lead);
        assert!(tokio::time::timeout(Duration::from_millis(100), send).await.is_err());
        assert_eq!(flights(), 0);

        // Two sends share a flight; cancelling one leaves it to the other.
        let (first, second) =
            (client.send_json("lead.captured.v1", &lead), client.send_json("lead.captured.v1", &lead));
        let mut second = Box::pin(second);
        tokio::select! {
            _ = first => unreachable!("the server never answers"),
            _ = &mut second => unreachable!("the server never answers"),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        // `first` is dropped by now; `second` still waits on the flight.
        assert_eq!(flights(), 1);
        drop(second);
        assert_eq!(flights(), 0);
        silent.abort();
    }
}
