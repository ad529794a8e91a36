#include "writer.hpp"

#include <gtest/gtest.h>

using shop::purchases::session_count_query;

TEST(SessionCountQuery, MysqlWithThePerformanceSchemaUsesItsProcesslist) {
  // MySQL 9 warns (1287) on information_schema.PROCESSLIST, deprecated for this table.
  EXPECT_EQ(session_count_query("9.7.4", true), "SELECT COUNT(*) FROM performance_schema.processlist WHERE ID = ");
  EXPECT_EQ(session_count_query("8.4.3-log", true), "SELECT COUNT(*) FROM performance_schema.processlist WHERE ID = ");
}

TEST(SessionCountQuery, MariadbAndMysqlWithoutThePerformanceSchemaUseInformationSchema) {
  // performance_schema.processlist is empty while the Performance Schema is off: it
  // would report a live session as gone. MariaDB has no such table.
  EXPECT_EQ(session_count_query("8.4.3", false), "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ");
  EXPECT_EQ(session_count_query("10.11.19-MariaDB-0+deb12u1-log", true),
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ");
}
