//! [`SettingsApi`] for the GWS API client: each call is the client's own, its error turned
//! into the eraser's [`ApiError`] (not found, or anything else) with the same value-free text.

use gws_client::GwsClient;

use crate::ports::{ApiError, SettingText, SettingsApi, SettingsGroup};

impl SettingsApi for GwsClient {
    fn base_url(&self) -> &str {
        GwsClient::base_url(self).as_str()
    }

    fn username(&self) -> &str {
        GwsClient::username(self)
    }

    async fn user_groups(&self, user_id: &str) -> Result<Vec<SettingsGroup>, ApiError> {
        Ok(GwsClient::user_groups(self, user_id).await?)
    }

    async fn user_setting_text(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &str,
    ) -> Result<Option<SettingText>, ApiError> {
        Ok(GwsClient::user_setting_text(self, user_id, group, key_attribute, key_value).await?)
    }

    async fn delete_user_setting(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &serde_json::Value,
    ) -> Result<(), ApiError> {
        Ok(GwsClient::delete_user_setting(self, user_id, group, key_attribute, key_value).await?)
    }

    async fn put_user_setting_text(
        &self,
        user_id: &str,
        group: &str,
        text: &str,
    ) -> Result<(), ApiError> {
        Ok(GwsClient::put_user_setting_text(self, user_id, group, text).await?)
    }
}
