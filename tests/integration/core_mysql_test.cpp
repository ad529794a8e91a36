// core/mysql.hpp against a real MariaDB: transactions must report a failed COMMIT.
#include "mysql_test_support.hpp"

namespace {

using namespace shop::testing_support;

class CoreMysqlTest : public MysqlTest {
 protected:
  [[nodiscard]] std::string database_prefix() const override { return "core_"; }
};

// Connector/C++ 1.1's Connection::commit() returns normally when the COMMIT fails; the
// project commits through commit_transaction() instead. This pins both facts down.
TEST_F(CoreMysqlTest, CommitOfAKilledSessionThrowsAndStoresNothing) {
  execute("CREATE DATABASE `" + m_database + "`");
  execute("CREATE TABLE `" + m_database + "`.t (id INT AUTO_INCREMENT PRIMARY KEY)");
  const auto url = url_for(m_database);
  const auto kill_session_of = [&](sql::Statement& statement) {
    std::unique_ptr<sql::ResultSet> id(statement.executeQuery("SELECT CONNECTION_ID()"));
    id->next();
    execute("KILL CONNECTION " + std::string(id->getString(1)));
  };

  auto library = shop::connect_mysql(url);
  std::unique_ptr<sql::Statement> library_statement(library->createStatement());
  library->setAutoCommit(false);
  library_statement->execute("INSERT INTO t VALUES ()");
  kill_session_of(*library_statement);
  EXPECT_NO_THROW(library->commit());  // the library's silence: why the project avoids it

  auto ours = shop::connect_mysql(url);
  std::unique_ptr<sql::Statement> statement(ours->createStatement());
  shop::disable_autocommit(*statement);
  statement->execute("INSERT INTO t VALUES ()");
  kill_session_of(*statement);
  try {
    shop::commit_transaction(*statement);
    ADD_FAILURE() << "COMMIT on a killed session did not throw";
  } catch (const sql::SQLException& error) {
    EXPECT_TRUE(shop::is_connection_lost(error)) << error.getErrorCode() << " " << error.what();
  }
  EXPECT_EQ(count(m_database, "t"), 0u);
}

TEST_F(CoreMysqlTest, DisabledAutocommitKeepsWorkUntilCommit) {
  execute("CREATE DATABASE `" + m_database + "`");
  execute("CREATE TABLE `" + m_database + "`.t (id INT AUTO_INCREMENT PRIMARY KEY)");
  auto connection = shop::connect_mysql(url_for(m_database));
  std::unique_ptr<sql::Statement> statement(connection->createStatement());
  shop::disable_autocommit(*statement);
  statement->execute("INSERT INTO t VALUES ()");
  EXPECT_EQ(count(m_database, "t"), 0u);  // not visible to others yet
  shop::rollback_transaction(*statement);
  statement->execute("INSERT INTO t VALUES (), ()");
  shop::commit_transaction(*statement);
  EXPECT_EQ(count(m_database, "t"), 2u);
}

}  // namespace
