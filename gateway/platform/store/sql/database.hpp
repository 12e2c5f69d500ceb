// The one SQL interface every repository is written against, whichever database holds the
// tables: SQLite (store/sqlite, the embedded default for one machine) or PostgreSQL
// (store/postgresql, shared by several gateway instances). A repository call opens a
// Session (the SQLite connection under its lock, or a pooled PostgreSQL connection), runs
// Statements on it, and wraps writes that must be atomic in a Transaction.
//
// The SQL the repositories write is the subset both dialects run alike: named parameters
// (":name"), ON CONFLICT upserts, RETURNING, CASE instead of boolean arithmetic. Only the
// schema (migrations) is written once per dialect.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "store/repository.hpp"

namespace octopus::store::sql {

// One prepared statement of one backend (implemented by each dialect).
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_blob(int index, const void* data, int size) = 0;
  virtual void bind_null(int index) = 0;
  // The index of a named parameter (":id"), or 0 when the statement has none such.
  virtual int find_index(const std::string& name) const = 0;
  virtual bool step() = 0;
  // A constraint violation (unique, foreign key, check) is false, not an error; within a
  // transaction it leaves the transaction usable.
  virtual bool exec_unique() = 0;
  virtual void reset() = 0;
  virtual int changes() const = 0;
  virtual std::string text(int col) const = 0;
  virtual std::int64_t int64(int col) const = 0;
  virtual bool is_null(int col) const = 0;
  virtual const void* blob(int col, int& size) const = 0;
};

// One connection to the database, held by one caller at a time (through a Session).
class Connection {
 public:
  virtual ~Connection() = default;
  virtual std::unique_ptr<StatementImpl> prepare(const std::string& sql) = 0;
  // Runs SQL without parameters or results (several statements may be given).
  virtual void exec(const std::string& sql) = 0;
  // A write transaction: one writer at a time across every process sharing the database,
  // as SQLite's BEGIN IMMEDIATE gives, so a repository call that reads and then writes in
  // one transaction decides on what it read.
  virtual void begin_write() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // Tells every instance sharing the database that `topic` changed (after the transaction
  // commits, when in one). One instance alone (SQLite) has no one to tell.
  virtual void announce(const std::string& /*topic*/) {}
};

// Exclusive use of one connection for one repository call; released on destruction.
class Session {
 public:
  // What reserves the connection for one Session (a lock, a pool lease); dropping it frees it.
  class Lease {
   public:
    virtual ~Lease() = default;
    virtual Connection& connection() = 0;
  };
  explicit Session(std::unique_ptr<Lease> lease) : lease_(std::move(lease)) {}
  Connection& connection() { return lease_->connection(); }
  void exec(const std::string& sql) { connection().exec(sql); }

 private:
  std::unique_ptr<Lease> lease_;
};

// A prepared statement; binds by position or by name (":id"). Throws StoreError on failure.
class Statement {
 public:
  Statement(Session& session, const std::string& sql) : impl_(session.connection().prepare(sql)) {}
  static Statement from(std::unique_ptr<StatementImpl> impl) { return Statement(std::move(impl)); }

  Statement& bind(int index, std::string_view value) {
    impl_->bind_text(index, value);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    impl_->bind_int64(index, value);
    return *this;
  }
  Statement& bind_blob(int index, const void* data, int size) {
    impl_->bind_blob(index, data, size);
    return *this;
  }
  Statement& bind_null(int index) {
    impl_->bind_null(index);
    return *this;
  }
  // The index of a named parameter; throws StoreError when the statement has none such.
  int index_of(std::string_view name) const;
  // The index of a named parameter, or 0 when the statement has none such.
  int find_index(const std::string& name) const { return impl_->find_index(name); }
  template <typename Value>
  Statement& bind(std::string_view name, const Value& value) {
    return bind(index_of(name), value);
  }

  // True when a row is available; false when done.
  bool step() { return impl_->step(); }
  // Like step() for writes, but reports a constraint violation (false) instead of throwing.
  bool exec_unique() { return impl_->exec_unique(); }
  // Runs the statement again with new binds.
  void reset() { impl_->reset(); }
  // Runs an INSERT ... RETURNING one integer (a generated id) and answers it; the statement
  // is then finished, as a write must be before its transaction commits.
  std::int64_t step_returning_int64();
  // Rows the last run of this write changed.
  int changes() const { return impl_->changes(); }

  std::string text(int col) const { return impl_->text(col); }
  std::int64_t int64(int col) const { return impl_->int64(col); }
  bool is_null(int col) const { return impl_->is_null(col); }
  const void* blob(int col, int& size) const { return impl_->blob(col, size); }

 private:
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}
  std::unique_ptr<StatementImpl> impl_;
};

// A write transaction (Connection::begin_write), rolled back if the scope exits by exception.
class Transaction {
 public:
  explicit Transaction(Session& session) : connection_(session.connection()) { connection_.begin_write(); }
  ~Transaction() {
    if (!done_) connection_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    connection_.commit();
    done_ = true;
  }

 private:
  Connection& connection_;
  bool done_ = false;
};

// A database every repository works over: SQLite's one file or PostgreSQL's pool.
class Database {
 public:
  virtual ~Database() = default;
  // Blocks until a connection is free. Throws StoreError when none can be had.
  virtual Session session() = 0;
  virtual int schema_version() = 0;
  virtual bool healthy() = 0;
  // "sqlite" or "postgresql": for messages and metrics.
  virtual std::string_view kind() const = 0;
};

}  // namespace octopus::store::sql
