using GaNas.Data;
using GaNas.Proxies;
using GaNas.Runtime;
using GaNas.SearchSpaces;
using static TorchSharp.torch;

namespace GaNas.Cli;

/// <summary>
/// What 'proxies' and 'search' share: libtorch threads, the seeded, normalised image batch with its
/// labels, the benchmark network options for the class count, and the evaluator. Dispose it to free the batch.
/// </summary>
internal sealed class LiveProxies : IDisposable
{
    private LiveProxies(ProxyBatch batch, Tensor labels, ProxyEvaluator evaluator)
    {
        Batch = batch;
        Labels = labels;
        Evaluator = evaluator;
    }

    public ProxyBatch Batch { get; }

    public Tensor Labels { get; }

    public ProxyEvaluator Evaluator { get; }

    /// <summary>
    /// Evaluators of the same batch, proxies and networks under the weight seeds <paramref name="firstSeed"/>,
    /// <paramref name="firstSeed"/> + 1, ...: the repeats of finalist re-scoring.
    /// </summary>
    public IReadOnlyList<IProxyScorer> Repeats(int count, int firstSeed) =>
        Enumerable.Range(0, count).Select(k => (IProxyScorer)Evaluator.WithSeed(checked(firstSeed + k))).ToArray();

    /// <summary>
    /// Loads the batch (drawn with <paramref name="batchSeed"/>, default <paramref name="seed"/>) and builds the evaluator, for
    /// networks of the benchmark's skeleton unless <paramref name="channels"/> or <paramref name="cells"/> say otherwise (rank
    /// the networks at the size that will be trained).
    /// </summary>
    public static LiveProxies Create(ISearchSpace space, IReadOnlyList<IZeroCostProxy> proxies, string images, int batchSize, int seed, string? normalize, int classes, int threads,
        bool channelsLast = true, int trimEvery = 32, int? channels = null, int? cells = null, int? batchSeed = null)
    {
        TorchRuntime.Initialize(threads);
        ProxyBatch batch = ProxyBatch.Load(images, batchSize, batchSeed ?? seed, normalize);
        Tensor labels = batch.LabelTensor(classes);
        var options = space.BenchmarkOptions(classes).With(channels: channels, cellsPerStage: cells, inputChannels: (int)batch.Images.shape[1]);
        return new LiveProxies(batch, labels, new ProxyEvaluator(space, proxies, batch.Images, options, seed, labels) { ChannelsLast = channelsLast, TrimEvery = trimEvery });
    }

    public void Dispose()
    {
        Labels.Dispose();
        Batch.Images.Dispose();
    }
}
