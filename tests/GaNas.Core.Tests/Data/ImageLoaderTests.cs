using System.IO.Compression;
using GaNas.Benchmarks;
using GaNas.Data;

namespace GaNas.Tests.Data;

public class ImageLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-images-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DecodedImage Gradient(int w, int h, int channels) =>
        new(w, h, channels, Enumerable.Range(0, w * h * channels).Select(i => (byte)(i * 7 % 256)).ToArray());

    private string WritePng(string relative, DecodedImage image)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, TestImages.Png(image));
        return path;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Png_round_trips(int channels)
    {
        var image = Gradient(5, 4, channels);
        var decoded = ImageDecoder.Decode(TestImages.Png(image), channels, "mem");
        decoded.Pixels.Should().Equal(image.Pixels);
    }

    [Fact]
    public void Corrupt_png_files_are_reported_by_name_and_problem()
    {
        byte[] good = TestImages.Png(Gradient(4, 4, 3));
        byte[] badCrc = (byte[])good.Clone();
        badCrc[20] ^= 0xFF;
        var cases = new (byte[] Bytes, string Message)[]
        {
            (new byte[] { 1, 2, 3 }, "not a JPEG, PNG"),
            (badCrc, "CRC mismatch"),
            (good[..(good.Length - 20)], "truncated"),
        };
        foreach (var (bytes, message) in cases)
        {
            var act = () => ImageDecoder.Decode(bytes, 3, "broken.png");
            act.Should().Throw<InvalidDataException>().Which.Message.Should().Contain("broken.png").And.Contain(message);
        }
    }

    [Fact]
    public void Jpeg_bmp_and_png_decode_through_one_decoder_with_one_grey_formula()
    {
        var image = Gradient(6, 5, 3);
        ImageDecoder.Decode(TestImages.Bmp(image), 3, "x.bmp").Pixels.Should().Equal(image.Pixels, "BMP is lossless");
        byte[] jpeg = ImageDecoder.Decode(TestImages.Jpeg(new DecodedImage(8, 8, 3, Enumerable.Repeat((byte)120, 192).ToArray())), 3, "x.jpg").Pixels;
        jpeg.Should().OnlyContain(v => Math.Abs(v - 120) <= 2, "a flat JPEG stays flat up to compression");
        var grey = ImageDecoder.Decode(TestImages.Png(image), 1, "x.png");
        grey.Channels.Should().Be(1);
        grey.Pixels[1].Should().Be((byte)Math.Round(0.299 * image.Pixels[3] + 0.587 * image.Pixels[4] + 0.114 * image.Pixels[5]));
    }

    [Fact]
    public void Image_folder_reads_jpeg_files_too()
    {
        string path = Path.Combine(_dir, "cats", "a.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, TestImages.Jpeg(Gradient(4, 4, 3)));
        WritePng("dogs/b.png", Gradient(4, 4, 3));
        var data = ImageFolderReader.Read(_dir);
        data.Count.Should().Be(2);
        data.ClassNames.Should().Equal("cats", "dogs");
    }

    [Fact]
    public void Resizing_averages_when_shrinking_and_keeps_flat_images_flat()
    {
        var flat = new DecodedImage(7, 5, 3, Enumerable.Repeat((byte)77, 105).ToArray());
        ImageResize.To(flat, 16, 12).Pixels.Should().OnlyContain(v => v == 77);
        ImageResize.To(flat, 3, 2).Pixels.Should().OnlyContain(v => v == 77);
        ImageResize.To(flat, 7, 5).Should().BeSameAs(flat);
        // A 1-pixel checkerboard halved: every output pixel covers both colours equally.
        var board = new DecodedImage(8, 8, 1, Enumerable.Range(0, 64).Select(i => (byte)(((i / 8) + (i % 8)) % 2 == 0 ? 0 : 200)).ToArray());
        ImageResize.To(board, 4, 4).Pixels.Should().OnlyContain(v => v >= 90 && v <= 110);
    }

    [Fact]
    public void Image_folder_reads_classes_in_name_order_as_planar_images()
    {
        var red = new DecodedImage(2, 2, 3, [255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0]);
        WritePng("b/x.png", red);
        WritePng("a/y.png", Gradient(2, 2, 3));
        var data = ImageFolderReader.Read(_dir);
        data.ClassNames.Should().Equal("a", "b");
        data.Labels.Should().Equal(0, 1);
        // Planar: the red plane first.
        data.Image(1).ToArray().Should().Equal(255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    [Fact]
    public void Mis_sized_images_and_empty_folders_are_errors()
    {
        WritePng("a/1.png", Gradient(2, 2, 3));
        string odd = WritePng("b/2.png", Gradient(3, 2, 3));
        var act = () => ImageFolderReader.Read(_dir);
        act.Should().Throw<InvalidDataException>().Which.Message.Should().Contain(odd).And.Contain("3x2");
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        var none = () => ImageFolderReader.Read(empty);
        none.Should().Throw<InvalidDataException>().WithMessage("*no class subfolders*");
    }

    [Fact]
    public void Idx_files_load_and_truncation_is_detected()
    {
        string images = Path.Combine(_dir, "x-images-idx3-ubyte.gz");
        string labels = Path.Combine(_dir, "x-labels-idx1-ubyte.gz");
        byte[] header = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
        WriteGz(images, [.. header, 1, 2, 3, 4, 5, 6, 7, 8]);
        WriteGz(labels, [0, 0, 8, 1, 0, 0, 0, 2, 3, 1]);
        var data = ImageDataset.Load(images);
        data.Count.Should().Be(2);
        data.Channels.Should().Be(1);
        data.Labels.Should().Equal(3, 1);
        data.Image(1).ToArray().Should().Equal(5, 6, 7, 8);
        WriteGz(images, [.. header, 1, 2, 3]);
        var act = () => ImageDataset.Load(images);
        act.Should().Throw<InvalidDataException>().WithMessage("*truncated or corrupt*");
    }

    [Fact]
    public void Cifar_binary_of_wrong_length_is_rejected()
    {
        string path = Path.Combine(_dir, "bad.bin");
        File.WriteAllBytes(path, new byte[3073 * 2 + 5]);
        var act = () => CifarBinaryReader.Read(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*not a multiple of the 3073-byte record*");
    }

    [BenchmarkFact]
    public void Cifar_binary_and_png_folder_hold_the_same_images()
    {
        var bin = ImageDataset.Load(BenchmarkData.File("images", "cifar10-960.bin"));
        var folder = ImageDataset.Load(BenchmarkData.File("images", "cifar10-960"));
        bin.Count.Should().Be(960);
        folder.Count.Should().Be(960);
        static string Key(ImageDataset d, int i) => d.Labels[i] + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(d.Image(i)));
        Enumerable.Range(0, 960).Select(i => Key(bin, i)).Order().Should().Equal(Enumerable.Range(0, 960).Select(i => Key(folder, i)).Order());
    }

    private static void WriteGz(string path, byte[] content)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(content);
    }
}
