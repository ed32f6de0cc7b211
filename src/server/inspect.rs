//! What tests and tools ask a running server directly, past the API: the store as it stands.
//! A store that cannot be read answers as if nothing were there (and the server log says why).

use super::Server;
use rust_decimal::Decimal;

impl Server {
    /// The sales the server holds for a document (its `externalId`): 0 or 1, as repeats of a
    /// document are answered with its first sale.
    pub fn sales_of(&self, document_id: &str) -> usize {
        match self.state.backend.api_sale_id(document_id) {
            Ok(id) => usize::from(id.is_some()),
            Err(e) => {
                super::log(&format!("sales_of: {}", e.message_en));
                0
            }
        }
    }

    /// What the reserve `id` holds as the API reports it (`None`: no such reserve).
    pub fn reserve_held(&self, id: &str) -> Option<Decimal> {
        match self.state.backend.held_reserve(id) {
            Ok(Some((_, amount))) => Some(amount),
            Ok(None) => self.state.kept.get(id).map(|(_, amount)| amount),
            Err(e) => {
                super::log(&format!("reserve_held: {}", e.message_en));
                None
            }
        }
    }

    /// The gift certificates the sale of a document was paid with, in the receipt's order.
    pub fn gift_cards_of(&self, document_id: &str) -> Vec<(String, Decimal)> {
        match self.state.backend.api_gift_cards(document_id) {
            Ok(cards) => cards.into_iter().map(|g| (g.id, g.payment_sum)).collect(),
            Err(e) => {
                super::log(&format!("gift_cards_of: {}", e.message_en));
                Vec::new()
            }
        }
    }
}
