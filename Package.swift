// swift-tools-version:6.0
import PackageDescription

// Carve is an application with a library: it builds its own code for the machine it runs on.
// On x86-64 that means AVX2 + FMA (x86-64-v3); -fno-math-errno lets squareRoot() vectorize
// (otherwise each call keeps a libm fallback for errno). The flags are unsafeFlags, which keeps this
// package from being consumed as a versioned dependency (see README).
#if arch(x86_64)
let swiftMachineFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3", "-Xcc", "-fno-math-errno"])]
let cMachineFlags: [CSetting] = [.unsafeFlags(["-march=x86-64-v3", "-O3"])]
#else
let swiftMachineFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-fno-math-errno"])]
let cMachineFlags: [CSetting] = [.unsafeFlags(["-O3"])]
#endif

let swiftSettings: [SwiftSetting] = swiftMachineFlags

let package = Package(
    name: "Carve",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Optim", targets: ["Optim"]),
        .library(name: "CarveIO", targets: ["CarveIO"]),
        .library(name: "Data", targets: ["Data"]),
        .library(name: "Geometry", targets: ["Geometry"]),
        .library(name: "Training", targets: ["Training"]),
        .executable(name: "carve", targets: ["carve"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS (CBLAS) and LAPACKE from Debian.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // Vectorized transcendental loops over buffers (SLEEF from Debian: libsleef-dev).
        .target(
            name: "CVectorMath",
            cSettings: cMachineFlags,
            linkerSettings: [.linkedLibrary("sleef"), .linkedLibrary("m")]
        ),
        .target(
            name: "TensorCore",
            dependencies: ["CBLAS", "CVectorMath"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Autodiff",
            dependencies: ["TensorCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "NN",
            dependencies: ["TensorCore", "Autodiff"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Optim",
            dependencies: ["TensorCore"],
            swiftSettings: swiftSettings
        ),
        // File formats shared with the Python world: safetensors, .npy/.npz, CSV.
        .target(
            name: "CarveIO",
            dependencies: ["TensorCore"],
            swiftSettings: swiftSettings
        ),
        // Built-in tasks, user data files, seeded mini-batches.
        .target(
            name: "Data",
            dependencies: ["TensorCore", "CarveIO"],
            swiftSettings: swiftSettings
        ),
        // Curvature operators, spectra, intrinsic dimension (THEORY.md §0–2).
        .target(
            name: "Geometry",
            dependencies: ["TensorCore", "Autodiff", "NN", "Data"],
            swiftSettings: swiftSettings
        ),
        // The training loop: checkpoints, metrics, resume, live monitors.
        .target(
            name: "Training",
            dependencies: ["TensorCore", "Autodiff", "NN", "Optim", "Data", "CarveIO", "Geometry"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "carve",
            dependencies: [
                "TensorCore", "Autodiff", "NN", "Optim", "CarveIO", "Data", "Geometry", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: ["TensorCore", "Autodiff"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TensorCoreTests",
            dependencies: ["TensorCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AutodiffTests",
            dependencies: ["Autodiff", "TensorCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NNTests",
            dependencies: ["NN", "Autodiff", "TensorCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OptimTests",
            dependencies: ["Optim", "TensorCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarveIOTests",
            dependencies: ["CarveIO", "TensorCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DataTests",
            dependencies: ["Data", "CarveIO", "TensorCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GeometryTests",
            dependencies: ["Geometry", "NN", "Data", "Autodiff", "TensorCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Training", "NN", "Optim", "Data", "CarveIO", "Autodiff", "TensorCore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CarveCLITests",
            dependencies: ["carve"],
            swiftSettings: swiftSettings
        ),
    ]
)
