using GaNas.Networks;
using GaNas.Proxies;
using GaNas.SearchSpaces;
using Orleans.TestingHost;
using static TorchSharp.torch;

namespace GaNas.Orleans.Tests;

/// <summary>Three in-process GaNas worker silos (one lane each) and what the tests score on them.</summary>
public static class TestClusters
{
    public static async Task<InProcessTestCluster> StartAsync(short silos = 3, Action<GaNasWorkerOptions>? worker = null)
    {
        GaNas.Tests.TestEnvironment.InitTorch();
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) => silo.AddGaNasWorker(o =>
        {
            o.Lanes = 1;
            worker?.Invoke(o);
        }));
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>A tiny TSS skeleton (C=4, N=1) on 8 seeded random 16x16 images with labels: milliseconds per architecture.</summary>
    public static ProxyEvaluator Evaluator(Tensor images, Tensor labels, string proxies = "naswot,ni,logsynflow") =>
        new(TopologySearchSpace.Instance, ProxyRegistry.CreateMany(proxies), images, new NetworkOptions { Classes = 10, Channels = 4, CellsPerStage = 1 }, seed: 3, labels);

    /// <summary>The batch; libtorch is set to one thread first, as the silos are, so local and cluster values are bit-identical.</summary>
    public static Tensor Images()
    {
        GaNas.Tests.TestEnvironment.InitTorch();
        return randn(8, 3, 16, 16, generator: new Generator(11));
    }

    public static Tensor Labels() => arange(8, dtype: ScalarType.Int64) % 10;
}
