// The node agent on its own: the same command as `gpucluster agent`, linked without the
// dashboard, render, apply and lab code, so that every GPU node carries a smaller binary.
import AgentCommandLine
import ArgumentParser

@main
extension AgentCommand {}
