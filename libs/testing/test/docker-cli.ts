// The tests' short name for runDocker: docker(DOCKER_HOST or a DockerEnv, args) -> trimmed stdout.
export { runDocker as docker } from "../src/index.js";
