using System.CommandLine;
using GaNas.Orleans;
using GaNas.Proxies;

namespace GaNas.Cli;

/// <summary>
/// Where 'search' and 'proxies' evaluate: the local evaluator, or, with --cluster, a scorer on the workers of that
/// cluster. Dispose it to disconnect.
/// </summary>
internal sealed class ClusterScoring : IDisposable
{
    private readonly OrleansEvaluationCluster? _cluster;
    private readonly ClusterProxyScorer? _remote;

    private ClusterScoring(IProxyScorer scorer, int workers, OrleansEvaluationCluster? cluster, ClusterProxyScorer? remote)
    {
        Scorer = scorer;
        Workers = workers;
        _cluster = cluster;
        _remote = remote;
    }

    /// <summary>The scorer to use.</summary>
    public IProxyScorer Scorer { get; }

    /// <summary>Evaluations in flight: --workers when given, else 1 locally and the cluster's lanes on a cluster.</summary>
    public int Workers { get; }

    /// <summary>The --cluster text, or null.</summary>
    public string? Cluster { get; private init; }

    /// <summary>What the cluster path did (null locally).</summary>
    public ClusterScoringStatistics? Statistics => _remote?.Statistics;

    /// <summary>Opens the scorer for <paramref name="evaluator"/>: local without --cluster, else connected to that cluster.</summary>
    public static ClusterScoring Open(ProxyEvaluator evaluator, ParseResult parse, ClusterOptions options, TextWriter log)
    {
        string? cluster = parse.GetValue(options.Cluster);
        Option<int> workers = options.Workers ?? throw new InvalidOperationException("This command has no --workers.");
        bool workersGiven = parse.GetResult(workers) is { Implicit: false };
        if (Connect(parse, options) is not { } connection) return new ClusterScoring(evaluator, parse.GetValue(workers), null, null);
        try
        {
            ClusterProxyScorer remote = connection.CreateAsync(evaluator).GetAwaiter().GetResult();
            log.WriteLine($"cluster: {cluster} (id '{parse.GetValue(options.ClusterId)}'), {remote.Workers.Count} worker silo(s), {remote.Lanes} lane(s): "
                + string.Join(", ", remote.Workers.Select(w => $"{w.Silo} on {w.Host} ({w.Lanes} x {w.Threads} thread(s))")));
            return new ClusterScoring(remote, workersGiven ? parse.GetValue(workers) : remote.Concurrency, connection, remote) { Cluster = cluster };
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A connection to the --cluster cluster, or null without --cluster (the trainer takes it as its SearchScorer).</summary>
    public static OrleansEvaluationCluster? Connect(ParseResult parse, ClusterOptions options)
    {
        if (parse.GetValue(options.Cluster) is not { } cluster) return null;
        string clusterId = parse.GetValue(options.ClusterId)!;
        ClusterEndpoint endpoint = ClusterEndpoint.Parse(cluster) with
        {
            ClusterId = clusterId, ServiceId = clusterId, ConnectTimeout = TimeSpan.FromSeconds(parse.GetValue(options.ConnectTimeout)),
        };
        return OrleansEvaluationCluster.ConnectAsync(endpoint).GetAwaiter().GetResult();
    }

    /// <summary>A one-line summary of the cluster path's cost, for the end of a run.</summary>
    public string? Summary()
    {
        if (Statistics is not { Evaluations: > 0 } s) return null;
        return $"cluster: {s.Evaluations} architecture(s) on {s.PerSilo.Count} silo(s) ({string.Join(", ", s.PerSilo.Select(p => $"{p.Key}: {p.Value}"))}); "
            + $"mean evaluation {s.WorkerSeconds / s.Evaluations * 1000:F1} ms, cluster overhead {s.OverheadSecondsPerEvaluation * 1000:F2} ms per architecture "
            + $"({s.OverheadFraction:P1}); {s.Retries} retried attempt(s), {s.SpecTransfers} image batch transfer(s)";
    }

    /// <summary>The options of where to evaluate, as 'search' and 'proxies' declare them.</summary>
    internal sealed record ClusterOptions(Option<int>? Workers, Option<string?> Cluster, Option<string> ClusterId, Option<double> ConnectTimeout)
    {
        /// <summary>--workers, --cluster, --cluster-id and --connect-timeout; without <paramref name="workers"/>, no --workers (the trainer sizes its own).</summary>
        public static ClusterOptions Create(bool workers = true) =>
            new(workers ? Commands.CommonOptions.Workers() : null, Commands.CommonOptions.Cluster(), Commands.CommonOptions.ClusterId(), Commands.CommonOptions.ConnectTimeout());

        public IEnumerable<Option> All => Workers is null ? [Cluster, ClusterId, ConnectTimeout] : [Workers, Cluster, ClusterId, ConnectTimeout];
    }

    public void Dispose()
    {
        _remote?.Dispose();
        _cluster?.Dispose();
    }
}
