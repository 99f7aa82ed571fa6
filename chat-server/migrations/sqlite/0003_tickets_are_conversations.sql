-- Messages left while offline are conversations now (they wait in the inbox like chats).
DROP TABLE tickets;
