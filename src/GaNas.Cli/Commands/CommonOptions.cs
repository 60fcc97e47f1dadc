using GaNas.Scoring;
using GaNas.Search;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;
using System.CommandLine;

namespace GaNas.Cli.Commands;

/// <summary>Options shared by several verbs.</summary>
internal static class CommonOptions
{
    public static Option<string> Space()
    {
        var option = new Option<string>("--space")
        {
            Description = "Search space: " + string.Join("; ", SearchSpaceCatalog.Entries.Select(e => $"{e.Name} ({e.Description})")),
            Required = true,
        };
        option.OneOf([.. SearchSpaceCatalog.Names]);
        return option;
    }

    public static Option<string> Images() => new("--images")
    {
        Description = "Images: a folder of class subfolders of JPEG, PNG, BMP or GIF files of one size, a CIFAR binary .bin file, or an IDX *-idx3-ubyte[.gz] file.",
        Required = true,
    };

    public static Option<int> Batch() => new Option<int>("--batch") { Description = "Images per proxy batch.", DefaultValueFactory = _ => 64 }.InRange(2, 1024);

    public static Option<int> Classes() => new Option<int>("--classes") { Description = "Classes of the network's classifier (10 CIFAR-10, 100 CIFAR-100, 120 ImageNet16-120).", DefaultValueFactory = _ => 10 }.InRange(2, MaxClasses);

    /// <summary>Most classes a classifier may have on the command line.</summary>
    public const int MaxClasses = 10_000;

    public static Option<int> Threads() => new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = one per core).", DefaultValueFactory = _ => 1 }.InRange(0, 256);

    public static Option<int> Workers() => new Option<int>("--workers")
    {
        Description = "Architectures evaluated at once, each on its own thread with --threads intra-op threads (results and their order do not change).",
        DefaultValueFactory = _ => 1,
    }.InRange(1, 64);

    /// <summary>--rescore-finalists and --rescore-repeats: noise-aware selection among a search's final candidates (FinalistRescoring).</summary>
    internal sealed record RescoringOptions(Option<int?> Finalists, Option<int?> Repeats)
    {
        /// <summary>The options; unset means the space's default with the default score, else off.</summary>
        public static RescoringOptions Create() => new(
            new Option<int?>("--rescore-finalists")
            {
                Description = "Score the search's best N architectures again under --rescore-repeats other weight seeds and return the best by the averaged proxies; 1 = off (the search's own best). "
                    + "Default: with --score default, the space's (10 on tss, off on sss); otherwise off.",
            }.InRange(1, 1000),
            new Option<int?>("--rescore-repeats") { Description = "With --rescore-finalists: weight seeds each finalist is scored again under (seed+1, seed+2, ...). Default: 4." }.InRange(1, 64));

        /// <summary>What the command line asks for on <paramref name="space"/> with the score named <paramref name="score"/>.</summary>
        public FinalistRescoringSettings Settings(ParseResult parse, ISearchSpace space, string score)
        {
            FinalistRescoringSettings fallback = FinalistRescoring.DefaultFor(space, score);
            int finalists = parse.GetValue(Finalists) ?? fallback.Finalists;
            int repeats = parse.GetValue(Repeats) ?? (fallback.IsOn ? fallback.Repeats : 4);
            return finalists < 2 ? FinalistRescoringSettings.Off : new FinalistRescoringSettings(finalists, repeats);
        }
    }

    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Evaluate on a cluster of 'ganas worker' processes instead of in this process: localhost[:GATEWAY_PORT,...] "
            + "(workers on this machine; gateway 30000 by default) or redis:HOST:PORT (membership in Redis). --workers then defaults to the cluster's lanes; "
            + "the values and the results are the local ones.",
    };

    public static Option<string> ClusterId() => new("--cluster-id")
    {
        Description = "Cluster and service id every member shares; a gateway refuses clients and silos of another cluster.",
        DefaultValueFactory = _ => "ganas",
    };

    public static Option<double> ConnectTimeout() => new Option<double>("--connect-timeout")
    {
        Description = "Seconds to keep trying to reach the cluster's gateways (workers started a moment before may not listen yet).",
        DefaultValueFactory = _ => 30,
    }.InRange(0, 3600, exclusiveMin: true);

    public static Option<string> Layout()
    {
        var option = new Option<string>("--layout") { Description = "Memory layout of the proxies' forward passes: channels-last (faster) or nchw (for comparison).", DefaultValueFactory = _ => "channels-last" };
        option.OneOf("channels-last", "nchw");
        return option;
    }

    public static Option<string?> Normalize() => new("--normalize") { Description = "Per-channel mean/std as m1,m2,m3/s1,s2,s3 (default: computed from the images)." };

    public static Option<string> Strategy()
    {
        var option = new Option<string>("--strategy")
        {
            Description = "Search strategy: " + string.Join(" ", StrategyRegistry.Entries.Select(e => $"{e.Name}: {e.Description}")),
            Required = true,
        };
        option.OneOf([.. StrategyRegistry.Names]);
        return option;
    }

    public static Option<string> Score() => new("--score")
    {
        Description = "Score: default (the space's default: ctrk on tss, csrk on sss); "
            + string.Join("; ", HybridScore.NamedEntries.Select(e => $"{e.Name} = {e.Item.Describe()} ({e.Description})"))
            + "; one proxy; a rank sum like naswot+logsynflow or 2*naswot+ni; log:... for log-rank aggregation; top(p) for a top term.",
        DefaultValueFactory = _ => HybridScore.DefaultName,
    };
}
