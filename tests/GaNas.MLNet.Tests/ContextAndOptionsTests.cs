using GaNas.Benchmarks;
using GaNas.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace GaNas.Tests;

/// <summary>The MLContext the trainer is created on, the options' validation, validation sets and the small-data rule.</summary>
public class ContextAndOptionsTests
{
    public ContextAndOptionsTests() => TestEnvironment.InitTorch();

    /// <summary>The shared two-class rows with the label mapped to a key.</summary>
    private static IDataView TwoClassPixels(MLContext ml, int count, int seed)
    {
        IDataView data = PixelRows.TwoClass(ml, count, seed);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
    }

    private static TrainingFreeNasOptions Tiny() => new()
    {
        ImageChannels = 1, ImageHeight = 4, ImageWidth = 4, Channels = 4, Evaluations = 3, Epoch = 1, BatchSize = 4, ProxyBatchSize = 4,
        NumberOfThreads = 1, AdaptToSmallData = false,
    };

    private static TrainingFreeNasTransformer Fit(MLContext ml, TrainingFreeNasOptions options, IDataView? data = null) =>
        ml.MulticlassClassification.Trainers.TrainingFreeNas(options).Fit(data ?? TwoClassPixels(ml, 24, seed: 3));

    [Fact]
    public void The_seed_comes_from_the_MLContext_unless_the_options_set_one()
    {
        int one = Fit(new MLContext(seed: 1), Tiny()).Summary.Seed;
        int two = Fit(new MLContext(seed: 2), Tiny()).Summary.Seed;
        int oneAgain = Fit(new MLContext(seed: 1), Tiny()).Summary.Seed;
        one.Should().NotBe(two);
        oneAgain.Should().Be(one, "the same context seed gives the same fit");
        var fixedSeed = Tiny();
        fixedSeed.Seed = 7;
        Fit(new MLContext(seed: 1), fixedSeed).Summary.Seed.Should().Be(7);
        Fit(new MLContext(seed: 2), fixedSeed).Summary.Seed.Should().Be(7);
    }

    [Fact]
    public void MLContext_Log_receives_the_phases_and_the_warnings()
    {
        var ml = new MLContext(seed: 0);
        var messages = new List<LoggingEventArgs>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e); };
        Fit(ml, Tiny());
        var ours = messages.Where(m => m.Source.Contains(TrainingFreeNasTrainer.LoadName, StringComparison.Ordinal)).ToList();
        var info = ours.Where(m => m.Kind == ChannelMessageKind.Info).Select(m => m.RawMessage).ToList();
        info.Should().Contain(m => m.StartsWith("data: ", StringComparison.Ordinal) && m.Contains("seed ", StringComparison.Ordinal));
        info.Should().Contain(m => m.StartsWith("search: ", StringComparison.Ordinal));
        info.Should().Contain(m => m.StartsWith("training ", StringComparison.Ordinal));
        info.Should().Contain(m => m.StartsWith("epoch 1: ", StringComparison.Ordinal));
        info.Should().Contain(m => m.StartsWith("done: ", StringComparison.Ordinal));
        ours.Where(m => m.Kind == ChannelMessageKind.Trace).Should().Contain(m => m.RawMessage.StartsWith("scored ", StringComparison.Ordinal));
        // 24 rows, batches of 4, one epoch: far fewer SGD steps than the rule asks for.
        ours.Where(m => m.Kind == ChannelMessageKind.Warning).Should().Contain(m => m.RawMessage.Contains("SGD steps in all", StringComparison.Ordinal));
    }

    /// <summary>The fit's "re-scored" log line, or null when the search's own best was trained.</summary>
    private static (string? Line, string Architecture) FitAndRescoring(Action<TrainingFreeNasOptions> change)
    {
        var ml = new MLContext(seed: 0);
        var lines = new List<string>();
        ml.Log += (_, e) => { lock (lines) lines.Add(e.RawMessage); };
        var options = Tiny();
        options.Evaluations = 6;
        change(options);
        string architecture = Fit(ml, options).Summary.Architecture;
        return (lines.SingleOrDefault(m => m.Contains("scored again", StringComparison.Ordinal)), architecture);
    }

    [Fact]
    public void The_default_score_rescores_the_final_candidates_on_tss_and_a_named_score_does_not()
    {
        var (line, architecture) = FitAndRescoring(_ => { });
        line.Should().NotBeNull().And.Contain("the best 6 scored again under 4 more initialisation(s)").And.EndWith(architecture, "the chosen finalist is the one trained");
        FitAndRescoring(o => o.Score = "ctrk").Line.Should().BeNull("a named score is searched as named");
        FitAndRescoring(o => o.RescoredFinalists = 1).Line.Should().BeNull("1 turns it off");
        FitAndRescoring(o => o.SearchSpace = NasSearchSpace.Size).Line.Should().BeNull("off by default on SSS");
        FitAndRescoring(o => { o.Score = "rk"; o.RescoredFinalists = 2; o.RescoringRepeats = 1; }).Line.Should().Contain("the best 2 scored again under 1 more");
    }

    [Fact]
    public void Invalid_options_are_refused_when_the_trainer_is_created()
    {
        var ml = new MLContext(seed: 0);
        void Refused(Action<TrainingFreeNasOptions> change, params string[] fragments)
        {
            var options = Tiny();
            change(options);
            var act = () => ml.MulticlassClassification.Trainers.TrainingFreeNas(options);
            var error = act.Should().Throw<ArgumentException>().Which;
            foreach (string fragment in fragments) error.Message.Should().Contain(fragment);
        }
        Refused(o => o.Score = "bogus", "'bogus'", "trk", "srk", "rk", "naswot", "logsynflow");
        Refused(o => o.Score = "log:naswot+2*nosuch", "'nosuch'", "naswot");
        Refused(o => o.Score = "naswot+", "empty term");
        Refused(o => o.Device = "tpu", "'tpu'", "cpu", "cuda", "auto");
        Refused(o => o.StrategyName = "nosuch", "'nosuch'", "ga", "rea");
        Refused(o => o.SearchTimeBudget = TimeSpan.Zero, "SearchTimeBudget");
        Refused(o => o.MaxMultiplyAccumulates = 0, "MaxMultiplyAccumulates");
        Refused(o => { o.Evaluations = 3; o.Finalists = 4; }, "Finalists", "3 evaluations");
        Refused(o => o.Evaluations = 15_626, "Evaluations", "15,625");
        Refused(o => o.RescoredFinalists = 0, "RescoredFinalists", "1 = off");
        Refused(o => { o.Evaluations = 3; o.RescoredFinalists = 4; }, "RescoredFinalists", "3 evaluations");
        Refused(o => o.RescoringRepeats = 0, "RescoringRepeats");
        Refused(o => o.NumberOfThreads = 0, "NumberOfThreads");
        Refused(o => o.NumberOfThreads = 100_000, "NumberOfThreads");
        Refused(o => { o.ValidationSetFraction = 0; o.EarlyStoppingCriteria = new TrainingFreeNasEarlyStopping(); }, "validation");
        Refused(o => o.EarlyStoppingCriteria = new TrainingFreeNasEarlyStopping { Patience = 0 }, "patience");
        Refused(o => o.TrainingLanes = 0, "TrainingLanes");
        Refused(o => { o.BatchSize = 16; o.TrainingLanes = 9; }, "TrainingLanes", "Between 1 and 8");
    }

    [Fact]
    public void Training_lanes_default_to_one_per_thread_on_the_cpu_when_every_lane_gets_32_images()
    {
        var two = new TrainingFreeNasOptions { NumberOfThreads = 2 };
        int cores = Math.Min(2, Environment.ProcessorCount);
        two.LanesFor(256, onCpu: true).Should().Be(cores);
        two.LanesFor(64, onCpu: true).Should().Be(cores, "two lanes of 32");
        two.LanesFor(63, onCpu: true).Should().Be(1, "a lane would get fewer than 32 images");
        two.LanesFor(256, onCpu: false).Should().Be(1, "a GPU gains nothing from lanes");
        new TrainingFreeNasOptions { NumberOfThreads = 1 }.LanesFor(256, onCpu: true).Should().Be(1);
        var explicitLanes = new TrainingFreeNasOptions { NumberOfThreads = 2, TrainingLanes = 8 };
        explicitLanes.LanesFor(256, onCpu: false).Should().Be(8, "an explicit count is kept");
        explicitLanes.LanesFor(8, onCpu: true).Should().Be(4, "the small-data rule lowered the batch to 8: 2 images per lane at most");
        explicitLanes.ToTrainingOptions(1, 8, 0).Lanes.Should().Be(4);
    }

    [Fact]
    public void Empty_data_is_reported_as_empty()
    {
        var ml = new MLContext(seed: 0);
        IDataView empty = ml.Data.LoadFromEnumerable(new List<SmallPixelRow>());
        empty = ml.Transforms.Conversion.MapValueToKey("Label").Fit(empty).Transform(empty);
        var act = () => ml.MulticlassClassification.Trainers.TrainingFreeNas(Tiny()).Fit(empty);
        act.Should().Throw<InvalidDataException>().WithMessage("*empty*").Which.Message.Should().NotContain("one class");
    }

    [Fact]
    public void A_validation_set_replaces_the_split_and_early_stopping_ends_training()
    {
        var ml = new MLContext(seed: 0);
        var options = Tiny();
        options.ValidationSet = TwoClassPixels(ml, 12, seed: 8);
        options.ValidationSetFraction = 0.5;  // ignored: the ValidationSet is used
        options.Epoch = 40;
        options.EarlyStoppingCriteria = new TrainingFreeNasEarlyStopping { Patience = 2 };
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.RawMessage); };
        var model = Fit(ml, options, TwoClassPixels(ml, 24, seed: 3));
        messages.Should().Contain(m => m.StartsWith("data: 24 training rows, 2 classes, 12 validation rows (ValidationSet)", StringComparison.Ordinal));
        model.Summary.TrainingCurve.Should().OnlyContain(m => !double.IsNaN(m.ValidationAccuracy));
        // Separable classes: validation accuracy stops rising within a few epochs, and 2 epochs later training stops.
        model.Summary.StoppedEarly.Should().BeTrue();
        model.Summary.TrainingCurve.Count.Should().BeLessThan(40);
        model.Summary.TrainingCurve.Count.Should().BeGreaterThanOrEqualTo(model.Summary.BestEpoch + 2);

        var threeClasses = Tiny();
        var rows = Enumerable.Range(0, 6).Select(i => new SmallPixelRow { Label = ((char)('a' + i % 3)).ToString() }).ToList();
        IDataView other = ml.Data.LoadFromEnumerable(rows);
        threeClasses.ValidationSet = ml.Transforms.Conversion.MapValueToKey("Label").Fit(other).Transform(other);
        var act = () => Fit(ml, threeClasses);
        act.Should().Throw<InvalidDataException>().WithMessage("ValidationSet:*3 classes*2*");
    }

    /// <summary>The first <paramref name="perClass"/> PNGs of each CIFAR-10 class folder, as a user's image folder.</summary>
    private static IDataView CifarPngs(MLContext ml, int perClass, out string folder)
    {
        folder = BenchmarkData.File("images", "cifar10-960");
        var rows = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d, "*.png").OrderBy(f => f, StringComparer.Ordinal).Take(perClass)
                .Select(f => new ImageFile { Path = f, Label = System.IO.Path.GetFileName(d) }))
            .ToList();
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadRawImageBytes("Features", null, nameof(ImageFile.Path)))
            .Fit(data).Transform(data);
    }

    private sealed class ImageFile
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private static double OwnTrainingAccuracy(MLContext ml, ITransformer model, IDataView data) =>
        ml.MulticlassClassification.Evaluate(model.Transform(data)).MicroAccuracy;

    [BenchmarkFact]
    public void Small_image_sets_adapt_the_schedule_instead_of_training_a_chance_level_model()
    {
        var ml = new MLContext(seed: 0);
        IDataView data = CifarPngs(ml, 27, out _);  // 270 images, 10 classes
        // Default options except a tiny skeleton (and one thread, as every test).
        var options = new TrainingFreeNasOptions { ImageChannels = 3, ImageHeight = 32, ImageWidth = 32, Channels = 4, NumberOfThreads = 1, Evaluations = 20 };
        var model = ml.MulticlassClassification.Trainers.TrainingFreeNas(options).Fit(data);
        var summary = model.Summary;
        summary.Warnings.Should().Contain(w => w.Contains("BatchSize lowered to 8", StringComparison.Ordinal));
        summary.Warnings.Should().Contain(w => w.Contains("Epoch raised to", StringComparison.Ordinal));
        summary.Warnings.Should().Contain(w => w.Contains("27 images for 10 classes", StringComparison.Ordinal), "a 10 % split of 270 is a tiny validation set");
        summary.BatchSize.Should().Be(8);
        summary.Epochs.Should().BeGreaterThan(options.Epoch);
        double adaptedAccuracy = OwnTrainingAccuracy(ml, model, data);
        adaptedAccuracy.Should().BeGreaterThan(0.2, "chance is 0.1");

        var asGiven = new TrainingFreeNasOptions { ImageChannels = 3, ImageHeight = 32, ImageWidth = 32, Channels = 4, NumberOfThreads = 1, Evaluations = 20, AdaptToSmallData = false };
        var unadaptedModel = ml.MulticlassClassification.Trainers.TrainingFreeNas(asGiven).Fit(data);
        var unadapted = unadaptedModel.Summary;
        adaptedAccuracy.Should().BeGreaterThan(OwnTrainingAccuracy(ml, unadaptedModel, data) + 0.05, "the adapted schedule is what lifts the model above chance");
        unadapted.BatchSize.Should().Be(128);
        unadapted.Epochs.Should().Be(10);
        unadapted.Warnings.Should().Contain(w => w.Contains("may stay near chance level", StringComparison.Ordinal));
    }

    [Fact]
    public void The_small_data_rule_leaves_large_data_alone()
    {
        var plan = SmallDataRule.Plan(trainRows: 54_000, validationRows: 6_000, classes: 10, batchSize: 256, epochs: 8, adapt: true);
        plan.BatchSize.Should().Be(256);
        plan.Epochs.Should().Be(8);
        plan.Warnings.Should().BeEmpty();
        var small = SmallDataRule.Plan(trainRows: 243, validationRows: 27, classes: 10, batchSize: 128, epochs: 10, adapt: true);
        small.BatchSize.Should().Be(8);
        small.Epochs.Should().Be(17, "243 / 8 = 30 steps per epoch, 500 steps need 17 epochs");
    }

    [Fact]
    public void A_fit_killed_during_training_resumes_from_its_checkpoint_to_the_same_model()
    {
        var ml = new MLContext(seed: 0);
        IDataView data = TwoClassPixels(ml, 40, seed: 6);
        TrainingFreeNasOptions Options()
        {
            var o = Tiny();
            o.Seed = 4;
            o.Epoch = 4;
            return o;
        }
        float[][] Scores(ITransformer model) => model.Transform(data).GetColumn<float[]>("Score").ToArray();
        float[][] whole = Scores(Fit(ml, Options(), data));

        string checkpoint = Path.Combine(Path.GetTempPath(), $"ganas-fit-{Guid.NewGuid():N}.ckpt");
        try
        {
            using var cts = new CancellationTokenSource();
            var killed = Options();
            killed.TrainingCheckpointPath = checkpoint;
            killed.CancellationToken = cts.Token;
            killed.MetricsCallback = m => { if (m.Epoch == 2) cts.Cancel(); };
            var act = () => Fit(ml, killed, data);
            act.Should().Throw<TrainingFreeNasCancelledException>();
            var again = Options();
            again.TrainingCheckpointPath = checkpoint;
            var resumed = Fit(ml, again, data);
            resumed.Summary.TrainingCurve.Select(m => m.Epoch).Should().Equal(1, 2, 3, 4);
            float[][] scores = Scores(resumed);
            for (int r = 0; r < whole.Length; r++) scores[r].Should().Equal(whole[r], $"row {r}");
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }

    [Fact]
    public void A_time_budget_ends_the_fit_in_time_with_a_replanned_schedule()
    {
        var ml = new MLContext(seed: 0);
        var options = Tiny();
        options.Epoch = 100_000;
        options.TimeBudget = TimeSpan.FromSeconds(3);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var summary = Fit(ml, options).Summary;
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(12), "3 s of budget, plus loading and packaging");
        summary.TrainingCurve.Count.Should().BePositive().And.BeLessThan(100_000);
        summary.Warnings.Should().Contain(w => w.StartsWith("TimeBudget 3 s: the final training ran", StringComparison.Ordinal));
        // The cosine schedule was re-planned to end at the last epoch that fit: the learning rate is near zero there.
        summary.TrainingCurve[^1].LearningRate.Should().BeLessThan(summary.TrainingCurve[0].LearningRate / 10);
        var invalid = Tiny();
        invalid.TimeBudget = TimeSpan.Zero;
        var act = () => ml.MulticlassClassification.Trainers.TrainingFreeNas(invalid);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*TimeBudget*");
    }
}
