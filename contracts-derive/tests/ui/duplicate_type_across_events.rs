loop_contracts::event! {
    #[event("message.sent.v1")]
    pub struct MessageSent {
        channel: enum Channel { "email", "sms" },
    }

    #[event("message.failed.v1")]
    pub struct MessageFailed {
        channel: enum Channel { "email", "sms" },
    }
}

fn main() {}
