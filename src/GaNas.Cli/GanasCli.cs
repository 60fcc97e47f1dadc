using System.CommandLine;
using GaNas.Cli.Commands;

namespace GaNas.Cli;

/// <summary>The <c>ganas</c> command line: one verb per class under Commands/.</summary>
public static class GanasCli
{
    /// <summary>Parses and runs <paramref name="args"/>, writing results to <paramref name="stdout"/> and errors to <paramref name="stderr"/>.</summary>
    /// <returns>The process exit code: 0 on success, 1 on a failed command, 2 on bad usage.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => RunAsync(args, stdout, stderr).GetAwaiter().GetResult();

    /// <summary>
    /// Runs the command line; <paramref name="ct"/> cancels it (a worker then leaves its cluster gracefully).
    /// </summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        var io = new CommandIO(stdout, stderr);
        var root = new RootCommand("GaNas: training-free neural architecture search on NATS-Bench spaces, for ML.NET.");
        root.Subcommands.Add(DescribeCommand.Create(io));
        root.Subcommands.Add(ListCommand.Create(io));
        root.Subcommands.Add(ProxiesCommand.Create(io));
        root.Subcommands.Add(CorrelateCommand.Create(io));
        root.Subcommands.Add(BenchCommand.Create(io));
        root.Subcommands.Add(BenchTrainCommand.Create(io));
        root.Subcommands.Add(SearchCommand.Create(io));
        root.Subcommands.Add(SummarizeCommand.Create(io));
        root.Subcommands.Add(SelectScoreCommand.Create(io));
        root.Subcommands.Add(TrainCommand.Create(io));
        root.Subcommands.Add(PredictCommand.Create(io));
        root.Subcommands.Add(ExportCommand.Create(io));
        root.Subcommands.Add(WorkerCommand.Create(io));
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) stderr.WriteLine($"error: {error.Message}");
            stderr.WriteLine("Run 'ganas --help' for usage.");
            return Task.FromResult(2);
        }
        return parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) }, ct);
    }
}
