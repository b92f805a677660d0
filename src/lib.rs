//! backendctl: one manifest for a backend's whole lifecycle.

pub mod manifest {
    //! The manifest model.
    pub mod model {
        //! One file per node kind.
        pub mod project;
    }
}
pub mod scaffold;
