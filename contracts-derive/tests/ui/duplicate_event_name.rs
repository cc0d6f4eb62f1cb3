loop_contracts::event! {
    #[event("message.sent.v1")]
    pub struct MessageSent {
        text: string,
    }

    #[event("message.sent.v1")]
    pub struct MessageSentAgain {
        text: string,
    }
}

fn main() {}
