loop_contracts::event! {
    #[event("lead.captured.v1")]
    pub struct LeadCaptured {
        #[serde(rename = "mail")]
        email: email,
    }
}

fn main() {}
