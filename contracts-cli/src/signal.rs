//! Stopping on Ctrl-C and SIGTERM: how `sandbox` and `outbox relay` end gracefully.

use std::io;

/// A future that resolves on Ctrl-C (and on SIGTERM on Unix), registered before it is returned
/// so that a signal arriving right after start-up is not lost.
pub(crate) fn stop_signal() -> io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
