//! Fragments several layers share: what a value was expected to be.

use super::texts;

texts! {
    EXPECT_TEXT = "строка", "a string";
    EXPECT_NUMBER = "число", "a number";
    EXPECT_TEXT_LIST = "массив строк", "an array of strings";
    EXPECT_SWITCH = "true или false", "true or false";
    ADDRESS_EXPECT_HTTPS = "ожидается https://…", "expected https://…";
}
