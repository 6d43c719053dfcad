//! The words names are made of: plain, unicode, emoji and very long ones, as real libraries
//! hold them.

pub(super) const ADJ: &[&str] = &[
    "Blue", "Silent", "Electric", "Golden", "Broken", "Midnight", "Velvet", "Neon", "Paper",
    "Wild", "Hollow", "Crystal", "Northern", "Last", "Burning", "Quiet", "Lost", "Endless",
    "Sweet", "Strange", "Frozen", "Distant", "Little", "Secret", "Lonely", "Bright", "Dark",
    "Sunday", "Summer", "Winter",
];
pub(super) const NOUN: &[&str] = &[
    "River",
    "Heart",
    "City",
    "Dream",
    "Light",
    "Road",
    "Fire",
    "Ocean",
    "Machine",
    "Garden",
    "Mirror",
    "Signal",
    "Shadow",
    "Window",
    "Engine",
    "Harbor",
    "Station",
    "Forest",
    "Echo",
    "Satellite",
    "Kingdom",
    "Radio",
    "Thunder",
    "Highway",
    "Moon",
    "Island",
    "Letter",
    "Storm",
    "Parade",
    "Circus",
];
pub(super) const UNICODE_NAMES: &[&str] = &[
    "Sigrún Ólafsdóttir",
    "Mötörfjörd",
    "Zoë & the Naïve Café",
    "東京ナイトクラブ",
    "Лунный свет",
    "Ελληνική Νύχτα",
    "مساء الخير",
    "서울의 밤",
    "Żółć Łąka",
    "Ça Plane Pour Moi (Reprise)",
    "Dvořák Žižka",
    "שלום עולם",
];
pub(super) const EMOJI: &[&str] = &["🔥", "🌙", "💿", "🎧", "✨", "🌊", "🚀", "💜", "🎸", "🌈"];
pub(super) const GENRES: &[&str] = &[
    "indie rock",
    "synthpop",
    "shoegaze",
    "jazz",
    "ambient",
    "hip hop",
    "folk",
    "techno",
    "dream pop",
    "post-punk",
    "k-pop",
    "bossa nova",
    "metal",
    "classical",
    "drum and bass",
];
pub(super) const LABELS: &[&str] = &[
    "Harbor Records",
    "Night Shift Music",
    "Papercut",
    "Blue Room Recordings",
    "Satellite Sound",
    "Ølhallen Plader",
    "Independent",
];
pub(super) const FIRST: &[&str] = &[
    "Alex", "Sam", "Jo", "Mika", "Noa", "Rene", "Kim", "Lou", "Ari", "Robin",
];
pub(super) const PODCASTS: &[&str] = &[
    "The Long Listen",
    "Signal & Noise",
    "Café Conversations ☕",
    "Deep Cuts Weekly",
];
