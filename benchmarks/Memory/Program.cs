// Peak resident memory (VmHWM) of TrainingFreeNas fits on encoded images of side x side x 3 (the 960 shared CIFAR-10
// PNGs upscaled and cycled): first on 6,000 images (the footprint of libtorch, ML.NET, the model and its batches), then,
// with the peak reset, on N. The growth between the two, divided by the extra images' size as uint8, is what the data
// cost per byte of raw pixels. Prints one JSON object.
using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.Data;
using GaNas.MLNet;
using Microsoft.ML;
using StbImageWriteSharp;

int count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 50_000;
int side = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64;

string folder = BenchmarkData.File("images", "cifar10-960");
var sources = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal)
    .SelectMany(d => Directory.GetFiles(d, "*.png").OrderBy(f => f, StringComparer.Ordinal).Select(f => (Label: Path.GetFileName(d), File: f)))
    .Select(s => (s.Label, Png: Encode(ImageResize.To(ImageDecoder.Decode(s.File, 3), side, side))))
    .ToArray();

// The reference fit has 6,000 images: enough for full 512-image evaluation batches, so that both fits' network
// activations peak alike and the difference is the data's.
const int Reference = 6_000;
if (count <= Reference) throw new ArgumentException($"Use more than {Reference} images.");
var small = Fit(Reference);
ResetPeak();
var large = Fit(count);
long rawBytes = (long)(count - Reference) * 3 * side * side;
Console.WriteLine(JsonSerializer.Serialize(new
{
    images = count,
    side,
    reference_images = Reference,
    extra_raw_uint8_mb = Mb(rawBytes),
    footprint_peak_mb = Mb(small.Peak),
    peak_mb = Mb(large.Peak),
    growth_mb = Mb(large.Peak - small.Peak),
    growth_over_raw = Math.Round((double)(large.Peak - small.Peak) / rawBytes, 3),
    fit_seconds = Math.Round(large.Seconds, 1),
    arch = large.Arch,
}));

(long Peak, double Seconds, string Arch) Fit(int rows)
{
    var ml = new MLContext(seed: 0);
    // Rows are made as the cursor asks for them: the encoded images exist once, in `sources`.
    IDataView data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new Row { Label = sources[i % sources.Length].Label, Image = sources[i % sources.Length].Png }));
    var options = new TrainingFreeNasOptions
    {
        ImageChannels = 3, ImageHeight = side, ImageWidth = side, FeatureColumnName = nameof(Row.Image),
        Channels = 4, CellsPerStage = 1, Epoch = 1, NumberOfThreads = 2, AdaptToSmallData = false, Seed = 0,
        // One architecture for both fits, so that they differ only in the number of images.
        Architecture = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    };
    var watch = System.Diagnostics.Stopwatch.StartNew();
    var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TrainingFreeNas(options)).Fit(data);
    return (Peak(), watch.Elapsed.TotalSeconds, model.LastTransformer.Architecture);
}

static byte[] Encode(DecodedImage image)
{
    using var stream = new MemoryStream();
    new ImageWriter().WritePng(image.Pixels, image.Width, image.Height, ColorComponents.RedGreenBlue, stream);
    return stream.ToArray();
}

static long Peak() => Status("VmHWM:");

static long Status(string key)
{
    string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal));
    return long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
}

// Writing 5 to clear_refs resets the peak resident set size to the current one (Linux 4.0 and later).
static void ResetPeak()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    File.WriteAllText("/proc/self/clear_refs", "5");
}

static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 1);

internal sealed class Row
{
    public string Label { get; set; } = "";
    public byte[] Image { get; set; } = [];
}
