loop_contracts::event! {
    #[event("lead.captured.v1")]
    #[derive(Hash, Debug, serde::Serialize)]
    #[derive(JsonSchema, validator::Validate)]
    pub struct LeadCaptured {
        email: email,
        address: #[derive(std::clone::Clone, Eq)] object Address { city: string },
        source: #[derive(Copy, Hash, Display, PartialOrd)] enum Source { "web", "pos" },
    }
}

fn main() {}
