/**
 * The apps the tests create in their own process write modes as container-config's main.ts sets them up
 * to: with umask 0 (the test processes are forked from this one and inherit it).
 */
export default function setup(): void {
  process.umask(0);
}
