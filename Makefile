# The commands a newcomer needs (README.md). Everything else is CMake (see CMakeLists.txt).
#   make demo               the full stack in Docker, then a live view of the shop
#   make down               stop the stack and delete its data
#   make test               the test suite (scripts/test.sh: installs, builds, runs ctest)
#   make stress-pageviews   a staged load of page views against the stack's Kafka, with a
#                           report per interval and its chart in stress-reports/
#   make stress-purchases   the same for MySQL purchases
#                           (STRESS_FIND_MAX=1: the highest sustainable rate instead;
#                           STRESS_INSTANCES=N: the load shared by N processes)
.PHONY: demo demo-debezium down test stress-pageviews stress-purchases

demo:
	scripts/demo.sh

demo-debezium:
	SQL_VARIANT=debezium COMPOSE_PROFILES=debezium scripts/demo.sh

down:
	scripts/demo.sh down

test:
	scripts/test.sh

stress-pageviews:
	scripts/stress.sh pageviews

stress-purchases:
	scripts/stress.sh purchases
