using GaNas.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.Tests;

/// <summary>Counts forward passes process-wide, so nothing else may score while it runs.</summary>
[CollectionDefinition(nameof(BatchedScoringTests), DisableParallelization = true)]
public sealed class BatchedScoringCollection;

/// <summary>Batch Transform runs the network on many rows per forward pass; the saved chain on one.</summary>
[Collection(nameof(BatchedScoringTests))]
public sealed class BatchedScoringTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-batched-").FullName;

    public BatchedScoringTests() => TestEnvironment.InitTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A model fitted on 24 rows (<paramref name="train"/>) of 4x4 one-channel pixels: a tiny skeleton, one epoch, one thread.</summary>
    private static ITransformer FitTiny(MLContext ml, out IDataView train)
    {
        train = PixelRows.TwoClass(ml, 24, seed: 3);
        var options = new TrainingFreeNasOptions
        {
            ImageChannels = 1, ImageHeight = 4, ImageWidth = 4, Channels = 4, Evaluations = 3, Epoch = 1, BatchSize = 4, ProxyBatchSize = 4,
            NumberOfThreads = 1, AdaptToSmallData = false,
        };
        return ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TrainingFreeNas(options)).Fit(train);
    }

    [Fact]
    public void Batch_transform_runs_one_forward_pass_per_256_rows_and_a_plain_load_one_per_row()
    {
        var ml = new MLContext(seed: 0);
        var fitted = FitTiny(ml, out IDataView train);
        string path = Path.Combine(_dir, "model.zip");
        ml.Model.Save(fitted, train.Schema, path);
        var fresh = new MLContext(seed: 0);
        ITransformer batched = fresh.Model.LoadTrainingFreeNas(path, out _);
        ITransformer rowByRow = fresh.Model.Load(path, out _);
        IDataView rows = PixelRows.TwoClass(fresh, 600, seed: 5);

        long ForwardPasses(ITransformer model)
        {
            long before = NetworkModel.ForwardPasses;
            model.Transform(rows).GetColumn<float[]>("Score").Should().HaveCount(600);
            return NetworkModel.ForwardPasses - before;
        }
        ForwardPasses(batched).Should().Be(3, "600 rows are three batches of at most 256");
        ForwardPasses(fitted).Should().Be(3, "the fitted model scores in batches too");
        ForwardPasses(rowByRow).Should().Be(600, "the saved chain scores one row per forward pass");
    }

    [Fact]
    public void Lanes_give_every_row_the_scores_of_one_pass_and_leave_the_thread_settings_of_other_threads_alone()
    {
        var ml = new MLContext(seed: 0);
        var fitted = FitTiny(ml, out _);
        IDataView rows = PixelRows.TwoClass(ml, 600, seed: 5);
        float[][] Scores() => fitted.Transform(rows).GetColumn<float[]>("Score").ToArray();

        GaNas.Runtime.TorchRuntime.Initialize(1);
        float[][] oneLane = Scores();
        GaNas.Runtime.TorchRuntime.Initialize(2);
        ScoringLanes.LaneCount(256).Should().Be(Math.Min(2, Environment.ProcessorCount));
        long chunksBefore = ScoringLanes.ChunksOnLanes;
        float[][] twoLanes = Scores();
        long chunks = ScoringLanes.ChunksOnLanes - chunksBefore;
        int seenByNewThread = 0;
        var probe = new Thread(() => seenByNewThread = TorchSharp.torch.get_num_threads());
        probe.Start();
        probe.Join();
        // A thread whose own libtorch count is 1 (as a pool thread that first ran a one-thread search keeps) still
        // scores with the configured lanes.
        int lanesOnStaleThread = 0;
        var stale = new Thread(() =>
        {
            TorchSharp.torch.set_num_threads(1);
            lanesOnStaleThread = ScoringLanes.LaneCount(256);
        });
        stale.Start();
        stale.Join();
        GaNas.Runtime.TorchRuntime.Initialize(1);

        if (Environment.ProcessorCount >= 2) chunks.Should().Be(6, "600 rows are batches of 256, 256 and 88, each split over two lanes");
        twoLanes.Should().BeEquivalentTo(oneLane, o => o.WithStrictOrdering(), "a row's scores do not depend on how many threads computed them");
        seenByNewThread.Should().Be(2, "the lanes' own one-thread setting must not become the process-wide one");
        lanesOnStaleThread.Should().Be(Math.Min(2, Environment.ProcessorCount), "lanes follow the configured thread count, not the calling thread's");
    }

    [Fact]
    public void The_network_column_is_read_once_per_cursor_and_never_beside_the_features()
    {
        var ml = new MLContext(seed: 0);
        ITransformer fitted = FitTiny(ml, out _);
        IDataView view = PixelRows.TwoClass(ml, 600, seed: 5);
        bool? encoded = null;
        foreach (ITransformer part in BatchedScoring.Flatten(fitted))
        {
            if ((encoded = BatchedScoringView.Replaces(part, view.Schema)) is not null) break;
            view = part.Transform(view);
        }
        encoded.Should().NotBeNull("the fitted chain has a GaNas scoring step");
        var counting = new ColumnReadCounter(view, "GaNasModel");
        var scoring = new BatchedScoringView(counting, encoded!.Value, BatchedScoring.BatchSize);

        var scores = new List<float[]>();
        using (DataViewRowCursor cursor = scoring.GetRowCursor([scoring.Schema["GaNasPaddedScore"]]))
        {
            ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(scoring.Schema["GaNasPaddedScore"]);
            VBuffer<float> value = default;
            while (cursor.MoveNext())
            {
                getter(ref value);
                scores.Add(value.DenseValues().ToArray());
            }
        }

        scores.Should().HaveCount(600);
        counting.Reads.Should().Be(1, "the network is the pipeline's constant: one read for the cursor, not one per row or per batch");
        counting.Requests.Should().NotContain(r => r.Contains("GaNasModel") && r.Contains("GaNasFeatures"),
            "a cursor asked for the features and the network would fetch the network's bytes for every row when ML.NET runs it in parallel");
    }

    /// <summary>A view that passes its source through and counts the values read from one column, and which columns each cursor asked for.</summary>
    private sealed class ColumnReadCounter(IDataView source, string column) : IDataView
    {
        private int _reads;

        public int Reads => _reads;

        public List<string[]> Requests { get; } = [];

        public bool CanShuffle => false;

        public DataViewSchema Schema => source.Schema;

        public long? GetRowCount() => source.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var needed = columnsNeeded.ToList();
            lock (Requests) Requests.Add(needed.Select(c => c.Name).ToArray());
            return new Cursor(this, source.GetRowCursor(needed));
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor(ColumnReadCounter owner, DataViewRowCursor inner) : DataViewRowCursor
        {
            public override DataViewSchema Schema => inner.Schema;

            public override long Position => inner.Position;

            public override long Batch => inner.Batch;

            public override bool MoveNext() => inner.MoveNext();

            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                ValueGetter<TValue> getter = inner.GetGetter<TValue>(column);
                if (column.Name != owner._column) return getter;
                return (ref TValue value) =>
                {
                    Interlocked.Increment(ref owner._reads);
                    getter(ref value);
                };
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }

        private readonly string _column = column;
    }

    [Fact]
    public void Scoring_runs_the_folded_network_and_saving_keeps_the_batch_norms()
    {
        var ml = new MLContext(seed: 0);
        var fitted = (TransformerChain<TrainingFreeNasTransformer>)FitTiny(ml, out _);
        // The fitted transformer's network is the one scoring finds by its bytes, even when an identical network was fitted before.
        NetworkModel model = fitted.LastTransformer.Model;
        int norms = 0;
        foreach (var bn in model.ScoringNetwork.modules().OfType<TorchSharp.Modules.BatchNorm>()) bn.register_forward_hook((_, _, o) => { norms++; return o; });
        fitted.Transform(PixelRows.TwoClass(ml, 40, seed: 5)).GetColumn<float[]>("Score").Should().HaveCount(40);
        norms.Should().Be(1, "40 rows are one batch, and only the last activation's batch norm is left after folding");
        model.Network.modules().OfType<TorchSharp.Modules.BatchNorm>().Count().Should().BeGreaterThan(1);
        model.Network.state_dict().Keys.Should().NotContain(k => k.EndsWith("op.1.bias", StringComparison.Ordinal), "the saved network keeps its bias-free convolutions");
    }
}
