// core/mysql.hpp against a real MariaDB: transactions must report a failed COMMIT.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.hpp"
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

namespace {

// A loopback port nothing listens on: bound, then closed.
uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string connect_error(const shop::MysqlUrl& url) {
  try {
    const auto connection = shop::connect_mysql(url);
  } catch (const shop::Error& e) {
    return e.what();
  }
  return "<connected>";
}

}  // namespace

// libmariadb says "(115)" (EINPROGRESS, from its non-blocking connect) for a refused
// port and "(-2)" for an unknown host: the error says what happened in words instead.
TEST_F(CoreMysqlTest, AFailedConnectionSaysWhyInWordsNotAnErrno) {
  shop::MysqlUrl refused = url_for(m_database);
  refused.port = closed_port();
  const std::string refused_error = connect_error(refused);
  EXPECT_NE(refused_error.find(fmt::format("127.0.0.1:{}/{}: connection refused (", refused.port, m_database)),
            std::string::npos)
      << refused_error;
  EXPECT_EQ(refused_error.find("(115)"), std::string::npos) << refused_error;

  shop::MysqlUrl unknown = url_for(m_database);
  unknown.host = "no-such-host.invalid";
  const std::string unknown_error = connect_error(unknown);
  EXPECT_NE(unknown_error.find(": cannot resolve host no-such-host.invalid ("), std::string::npos) << unknown_error;
  EXPECT_EQ(unknown_error.find("(-2)"), std::string::npos) << unknown_error;
}
