loop_contracts::event! {
    #[cfg_attr(feature = "docs", event("lead.captured.v2"))]
    #[event("lead.captured.v1")]
    #[cfg_attr(all(), derive(Debug), derive(Hash))]
    pub struct LeadCaptured {
        #[cfg_attr(unix, serde(rename = "mail"))]
        email: email,
        #[cfg_attr(unix, cfg(feature = "notes"))]
        note?: string,
    }
}

fn main() {}
