using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.Data;

namespace GaNas.Tests;

/// <summary><c>ganas train</c> and <c>ganas predict</c> on a small photo folder of mixed formats and sizes.</summary>
public class TrainPredictTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => DescribeCommandTests.Run(args);

    /// <summary>20 CIFAR-10 images of each of three classes, every third one re-encoded as JPEG at another size.</summary>
    private string PhotoFolder()
    {
        string root = Path.Combine(_dir, "photos");
        string source = BenchmarkData.File("images", "cifar10-960");
        foreach (string cls in Directory.GetDirectories(source).OrderBy(d => d, StringComparer.Ordinal).Take(3))
        {
            string target = Path.Combine(root, "class-" + Path.GetFileName(cls));
            Directory.CreateDirectory(target);
            int i = 0;
            foreach (string file in Directory.GetFiles(cls, "*.png").OrderBy(f => f, StringComparer.Ordinal).Take(20))
            {
                if (i++ % 3 == 0)
                {
                    DecodedImage big = ImageResize.To(ImageDecoder.Decode(file, 3), 48, 40);
                    File.WriteAllBytes(Path.Combine(target, Path.GetFileNameWithoutExtension(file) + ".jpg"), TestImages.Jpeg(big));
                }
                else
                {
                    File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
                }
            }
        }
        return root;
    }

    [BenchmarkFact]
    public void Train_saves_a_model_that_predict_applies_to_a_folder()
    {
        string photos = PhotoFolder(), model = Path.Combine(_dir, "model.zip"), csv = Path.Combine(_dir, "predictions.csv");
        var trained = Run("train", "--images", photos, "--out", model, "--image-size", "16", "--channels", "4", "--evaluations", "4", "--epochs", "2", "--threads", "1");
        trained.Code.Should().Be(0, trained.Err);
        using (var doc = JsonDocument.Parse(trained.Out))
        {
            doc.RootElement.GetProperty("images").GetInt32().Should().Be(60);
            doc.RootElement.GetProperty("classes").GetInt32().Should().Be(3);
            doc.RootElement.GetProperty("arch").GetString().Should().StartWith("|");
        }
        File.Exists(model).Should().BeTrue();

        var predicted = Run("predict", "--model", model, "--images", photos, "--out", csv);
        predicted.Code.Should().Be(0, predicted.Err);
        string[] lines = File.ReadAllLines(csv);
        lines[0].Should().Be("path,predicted,p_class-000,p_class-001,p_class-002");
        lines.Should().HaveCount(61);
        lines.Skip(1).Select(l => l.Split(',')[1]).Should().OnlyContain(c => c.StartsWith("class-", StringComparison.Ordinal));
        lines.Skip(1).Select(l => l.Split(',').Skip(2).Sum(double.Parse)).Should().OnlyContain(total => Math.Abs(total - 1) < 1e-4);

        // One file, and the same answer for it as in the folder run.
        string one = Directory.GetFiles(Path.Combine(photos, "class-001"), "*.jpg").Order(StringComparer.Ordinal).First();
        var single = Run("predict", "--model", model, "--images", one, "--out", Path.Combine(_dir, "one.csv"));
        single.Code.Should().Be(0, single.Err);
        File.ReadAllLines(Path.Combine(_dir, "one.csv"))[1].Should().Be(lines.Single(l => l.StartsWith(one + ",", StringComparison.Ordinal)));

        byte[] bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        var broken = Run("predict", "--model", model, "--images", photos, "--out", csv);
        broken.Code.Should().Be(1);
        broken.Err.Should().Contain("model.zip");
    }
}
