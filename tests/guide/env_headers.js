const OSHARA_HEADERS = {
  Authorization: `Bearer ${process.env.OSHARA_TOKEN}`,
  "Content-Type": "application/json"
};
