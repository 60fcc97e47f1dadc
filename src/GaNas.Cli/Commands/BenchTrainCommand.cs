using System.CommandLine;
using GaNas.Data;
using GaNas.Networks;
using GaNas.Runtime;
using GaNas.SearchSpaces;
using GaNas.Training;
using static TorchSharp.torch;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas bench-train</c>: training throughput of one architecture, as the trainer trains it (images held as uint8,
/// normalised and augmented batch by batch), in images per second, on the <c>--layout</c> given; with <c>--baseline</c>
/// the trainer's default NCHW path runs before it in every run, in the same process, so the ratio is measured side by side.
/// </summary>
internal static class BenchTrainCommand
{
    public static Command Create(CommandIO io)
    {
        var images = CommonOptions.Images();
        var space = CommonOptions.Space();
        var arch = new Option<string>("--arch") { Description = "The architecture to train.", Required = true };
        var count = new Option<int?>("--count") { Description = "Training images (default: all)." }.InRange(2, int.MaxValue);
        var channels = new Option<int>("--channels") { Description = "Width C of the first stage.", DefaultValueFactory = _ => 8 }.InRange(1, 256);
        var cells = new Option<int>("--cells") { Description = "Cells per stage N.", DefaultValueFactory = _ => 1 }.InRange(0, 16);
        var batch = new Option<int>("--batch-size") { Description = "Images per SGD step.", DefaultValueFactory = _ => 256 }.InRange(2, 4096);
        var epochs = new Option<int>("--epochs") { Description = "Epochs per measurement.", DefaultValueFactory = _ => 1 }.InRange(1, 1000);
        var runs = new Option<int>("--runs") { Description = "Measurements of each path.", DefaultValueFactory = _ => 3 }.InRange(1, 100);
        var layout = new Option<string>("--layout") { Description = "Memory layout of the measured path and the baseline: nhwc (channels-last, the trainer's default) or nchw (wrong gradients with few channels on some CPUs; docs/architecture.md).", DefaultValueFactory = _ => "nhwc" };
        layout.OneOf("nchw", "nhwc");
        var baseline = new Option<bool>("--baseline") { Description = "Also train unfused on one lane in the same layout (the trainer's path before fused cell edges and lanes), before the measured one in every run." };
        var baselineLayout = new Option<string?>("--baseline-layout") { Description = "Layout of the baseline (default: --layout's). nchw with --layout nhwc measures against the trainer's path before 2026-12-06 (NCHW, unfused, one lane), whose gradients are wrong with few channels on AVX-512 CPUs: its weights are then not compared." };
        baselineLayout.OneOf("nchw", "nhwc");
        var unfused = new Option<bool>("--unfused") { Description = "Measure without fused cell edges (TrainingOptions.FuseCellEdges = false)." };
        var lanes = new Option<int>("--lanes") { Description = "Data-parallel lanes of the measured path (TrainingOptions.Lanes; the baseline always trains on one).", DefaultValueFactory = _ => 1 }.InRange(1, 64);
        var threads = CommonOptions.Threads();
        threads.DefaultValueFactory = _ => 2;
        var seed = new Option<int>("--seed") { Description = "Seed of the weights and the batches.", DefaultValueFactory = _ => 0 };
        var heap = new Option<string>("--native-heap") { Description = "retain (as 'ganas train' and the example do: the C library keeps freed memory for reuse, TorchRuntime.RetainFreedMemory) or default (the C library's own thresholds). Process-wide, so compare the two in separate processes.", DefaultValueFactory = _ => "retain" };
        heap.OneOf("retain", "default");
        var command = new Command("bench-train", "Measure the training throughput (images/s) of one architecture, optionally against the NCHW baseline.")
        {
            images, space, arch, count, channels, cells, batch, epochs, runs, layout, baseline, baselineLayout, unfused, lanes, threads, seed, heap,
        };
        command.SetAction(parse => io.Guard(() =>
        {
            ISearchSpace s = SearchSpaceCatalog.ByName(parse.GetValue(space)!);
            Genome genome = s.Parse(parse.GetValue(arch)!);
            TorchRuntime.Initialize(parse.GetValue(threads) is > 0 and var t ? t : Environment.ProcessorCount);
            bool retained = parse.GetValue(heap) == "retain" && TorchRuntime.RetainFreedMemory();
            ImageDataset data = ImageDataset.Load(parse.GetValue(images)!);
            int n = Math.Min(parse.GetValue(count) ?? data.Count, data.Count);
            var all = Enumerable.Range(0, n).ToArray();
            using Tensor pixels = data.ToByteTensor(all);
            using Tensor labels = data.LabelTensor(all);
            Normalization unit = data.ComputeNormalization();
            var normalization = new InputNormalization(unit.Mean.Select(v => v * 255).ToArray(), unit.Std.Select(v => v * 255).ToArray());
            var networkOptions = new NetworkOptions
            {
                Classes = Math.Max(2, data.Labels.Max() + 1), Channels = parse.GetValue(channels), CellsPerStage = parse.GetValue(cells),
                InputChannels = data.Channels, Seed = parse.GetValue(seed),
            };

            (double ImagesPerSecond, double Loss, float[] Weights) Measure(bool channelsLast, bool fuse, int laneCount)
            {
                using CellNetwork network = s.BuildNetwork(genome, networkOptions);
                var options = new TrainingOptions
                {
                    Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batch), ValidationFraction = 0, Seed = parse.GetValue(seed),
                    Normalization = normalization, ChannelsLast = channelsLast, FuseCellEdges = fuse, Lanes = laneCount,
                };
                TrainingReport report = NetworkTrainer.Train(network, pixels, labels, options);
                long trained = (long)(n / options.BatchSize) * options.BatchSize * options.Epochs;
                using Tensor flat = cat(network.parameters().Select(p => p.detach().flatten()).ToArray());
                return (trained / report.Seconds, report.Curve[^1].TrainLoss, flat.data<float>().ToArray());
            }

            var rows = new List<Dictionary<string, object?>>();
            double maxWeightDifference = 0;
            for (int r = 0; r < parse.GetValue(runs); r++)
            {
                var row = new Dictionary<string, object?> { ["run"] = r + 1 };
                float[]? reference = null;
                if (parse.GetValue(baseline))
                {
                    var unfusedOneLane = Measure(channelsLast: (parse.GetValue(baselineLayout) ?? parse.GetValue(layout)) == "nhwc", fuse: false, laneCount: 1);
                    row["baseline_images_per_second"] = Math.Round(unfusedOneLane.ImagesPerSecond, 1);
                    row["baseline_loss"] = unfusedOneLane.Loss;
                    reference = unfusedOneLane.Weights;
                }
                var current = Measure(channelsLast: parse.GetValue(layout) == "nhwc", fuse: !parse.GetValue(unfused), laneCount: parse.GetValue(lanes));
                row["images_per_second"] = Math.Round(current.ImagesPerSecond, 1);
                row["loss"] = current.Loss;
                if (reference is not null)
                {
                    row["ratio"] = Math.Round(current.ImagesPerSecond / (double)row["baseline_images_per_second"]!, 2);
                    if (parse.GetValue(baselineLayout) is null || parse.GetValue(baselineLayout) == parse.GetValue(layout))
                        for (int i = 0; i < reference.Length; i++) maxWeightDifference = Math.Max(maxWeightDifference, Math.Abs(reference[i] - current.Weights[i]));
                }
                rows.Add(row);
                io.Error.WriteLine($"[bench-train {r + 1}/{parse.GetValue(runs)}] {Json.Serialize(row)}");
            }
            var result = new Dictionary<string, object?>
            {
                ["space"] = s.Name, ["arch"] = s.Format(genome), ["images"] = n, ["channels"] = networkOptions.Channels, ["cells"] = networkOptions.CellsPerStage,
                ["layout"] = parse.GetValue(layout), ["lanes"] = parse.GetValue(lanes), ["batch_size"] = parse.GetValue(batch), ["epochs"] = parse.GetValue(epochs), ["threads"] = get_num_threads(), ["native_heap"] = retained ? "retain" : "default", ["runs"] = rows,
            };
            if (parse.GetValue(baseline))
            {
                result["median_ratio"] = rows.Select(r => (double)r["ratio"]!).Order().ElementAt(rows.Count / 2);
                result["baseline_layout"] = parse.GetValue(baselineLayout) ?? parse.GetValue(layout);
                // Only between two runs in one layout: the NCHW kernels' gradients are wrong on some CPUs (docs/architecture.md).
                result["max_weight_difference"] = parse.GetValue(baselineLayout) is null || parse.GetValue(baselineLayout) == parse.GetValue(layout) ? maxWeightDifference : null;
            }
            io.Out.WriteLine(Json.Serialize(result));
            return 0;
        }));
        return command;
    }
}
