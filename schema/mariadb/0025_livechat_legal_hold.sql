-- DESIGN.md privacy: "records under a legal hold are skipped by purge and erasure". The hold is
-- on the client (modules/livechat/clients.hpp), so everything that carries the client id stays:
-- its conversations with their notes, tags and feedback, tickets, callbacks, audit rows and
-- archived records. The retention purge (modules/livechat/retention.cpp, the archive's purge)
-- reads it through livechat_clients_hold.
ALTER TABLE livechat_clients
  ADD COLUMN legal_hold TINYINT NOT NULL DEFAULT 0,
  ADD KEY livechat_clients_hold (legal_hold, id);
